// @vitest-environment happy-dom
/** The WAI-ARIA tabs pattern: arrows, Home and End move focus and select; only the selected tab is in the tab order. */
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { TabList } from './tab-list.tsx';

const TABS = [
  ['a', 'Alpha'],
  ['b', 'Beta'],
  ['c', 'Gamma'],
] as const;

function Harness() {
  const [selected, setSelected] = useState<'a' | 'b' | 'c'>('a');
  return (
    <>
      <button type="button">Before</button>
      <TabList label="Letters" tabs={TABS} selected={selected} onSelect={setSelected} idPrefix="letters" />
      <div role="tabpanel" id="letters-panel" aria-labelledby={`letters-tab-${selected}`}>
        <button type="button">Inside {selected}</button>
      </div>
    </>
  );
}

const tab = (name: string) => screen.getByRole('tab', { name });

describe('TabList', () => {
  it('moves and selects with Left, Right (wrapping), Home and End', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(tab('Alpha'));

    await user.keyboard('{ArrowRight}');
    expect(tab('Beta')).toHaveFocus();
    expect(tab('Beta')).toHaveAttribute('aria-selected', 'true');
    expect(tab('Alpha')).toHaveAttribute('aria-selected', 'false');
    expect(screen.getByRole('tabpanel', { name: 'Beta' })).toBeInTheDocument();

    await user.keyboard('{End}');
    expect(tab('Gamma')).toHaveFocus();
    expect(tab('Gamma')).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{ArrowRight}');
    expect(tab('Alpha')).toHaveFocus();
    expect(tab('Alpha')).toHaveAttribute('aria-selected', 'true');
    await user.keyboard('{ArrowLeft}');
    expect(tab('Gamma')).toHaveFocus();
    await user.keyboard('{Home}');
    expect(tab('Alpha')).toHaveFocus();
    expect(tab('Alpha')).toHaveAttribute('aria-selected', 'true');
  });

  it('puts only the selected tab in the tab order, so Tab goes on to the panel', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.click(tab('Alpha'));
    await user.keyboard('{ArrowRight}');
    expect(tab('Beta')).toHaveAttribute('tabindex', '0');
    expect(tab('Alpha')).toHaveAttribute('tabindex', '-1');
    expect(tab('Gamma')).toHaveAttribute('tabindex', '-1');

    await user.tab();
    expect(screen.getByRole('button', { name: 'Inside b' })).toHaveFocus();
    await user.tab({ shift: true });
    expect(tab('Beta')).toHaveFocus();
    await user.tab({ shift: true });
    expect(screen.getByRole('button', { name: 'Before' })).toHaveFocus();
  });

  it('ties every tab to the one panel it shows', () => {
    render(<Harness />);
    for (const [, name] of TABS) expect(tab(name)).toHaveAttribute('aria-controls', 'letters-panel');
    expect(screen.getByRole('tablist', { name: 'Letters' })).toBeInTheDocument();
  });
});
