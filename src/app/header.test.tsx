// @vitest-environment happy-dom
/** The mode switch is a tab list over the whole page: arrows move and select, only the selected mode is in the tab order. */
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createTestStore } from '../store/test-adapters.ts';
import { Header } from './header.tsx';
import { StoreProvider } from './providers.tsx';

describe('Header', () => {
  it('switches mode with the arrow keys, Home and End', async () => {
    const { store } = await createTestStore();
    render(
      <StoreProvider store={store}>
        <Header />
      </StoreProvider>,
    );
    const user = userEvent.setup();
    const mine = screen.getByRole('tab', { name: 'My files' });
    const authority = screen.getByRole('tab', { name: 'Backup authority' });
    expect(screen.getByRole('tablist', { name: 'Mode' })).toContainElement(mine);
    expect(mine).toHaveAttribute('tabindex', '0');
    expect(authority).toHaveAttribute('tabindex', '-1');

    await user.click(mine);
    await user.keyboard('{ArrowRight}');
    expect(store.getState().mode).toBe('authority');
    expect(authority).toHaveFocus();
    expect(authority).toHaveAttribute('aria-selected', 'true');
    expect(mine).toHaveAttribute('tabindex', '-1');
    await user.keyboard('{Home}');
    expect(store.getState().mode).toBe('owner');
    expect(mine).toHaveFocus();
    await user.keyboard('{End}');
    expect(store.getState().mode).toBe('authority');
    await user.keyboard('{ArrowLeft}');
    expect(store.getState().mode).toBe('owner');
  });
});
