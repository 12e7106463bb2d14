/** The value a list renders from: the latest one, at most once per animation frame, never one in between. */
import { renderHook, waitFor } from '@testing-library/react';
import { useValuePerFrame } from './use-value-per-frame.ts';

describe('useValuePerFrame', () => {
  it('passes on only the latest of many changes made within one frame', async () => {
    const seen: number[] = [];
    const { result, rerender } = renderHook(
      ({ value }: { value: number }) => {
        const shown = useValuePerFrame(value);
        seen.push(shown);
        return shown;
      },
      { initialProps: { value: 1 } },
    );
    for (const value of [2, 3, 4, 5]) rerender({ value });
    expect(result.current).toBe(1);
    await waitFor(() => {
      expect(result.current).toBe(5);
    });
    expect(seen).not.toContain(2);
    expect(seen).not.toContain(3);
    expect(seen).not.toContain(4);
  });

  it('cancels the frame it asked for when unmounted', () => {
    const asked = vi.spyOn(globalThis, 'requestAnimationFrame');
    const cancelled = vi.spyOn(globalThis, 'cancelAnimationFrame');
    const { rerender, unmount } = renderHook(({ value }: { value: string }) => useValuePerFrame(value), { initialProps: { value: 'a' } });
    rerender({ value: 'b' });
    const frame = asked.mock.results.at(-1)?.value as number;
    unmount();
    expect(cancelled).toHaveBeenCalledWith(frame);
    asked.mockRestore();
    cancelled.mockRestore();
  });
});
