import { TimeSlices } from '../../../src/services/time-slices';

describe('TimeSlices', () => {
  it('gives the event loop back once a slice has run its time, and not before', async () => {
    const slices = new TimeSlices(20);
    let timerRan = false;
    setImmediate(() => {
      timerRan = true;
    });
    await slices.yieldIfDue();
    expect(timerRan).toBe(false);
    const until = performance.now() + 25;
    while (performance.now() < until);
    await slices.yieldIfDue();
    expect(timerRan).toBe(true);
  });
});
