import { BackgroundJobs, type BackgroundJob } from '../../../src/services/background-jobs';

/** Exclusive jobs run only in the process whose claim succeeds; the others skip that round. */
describe('BackgroundJobs', () => {
  function jobs(claimed: boolean, claims: string[]) {
    const ran: string[] = [];
    const job = (name: string, exclusive: boolean): BackgroundJob => ({
      name,
      intervalMs: 60_000,
      firstRunAfterMs: 0,
      exclusive,
      run: async () => {
        ran.push(name);
        return false;
      },
    });
    const errors: string[] = [];
    const runner = new BackgroundJobs(
      [job('sweep', true), job('delivery', false)],
      (name) => errors.push(name),
      async (candidate) => {
        claims.push(candidate.name);
        return claimed;
      },
    );
    return { runner, ran, errors };
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }

  it('runs an exclusive job when its claim succeeds, and asks only for exclusive jobs', async () => {
    const claims: string[] = [];
    const { runner, ran } = jobs(true, claims);
    runner.start();
    await settle();
    await runner.stop();
    expect(ran.sort()).toEqual(['delivery', 'sweep']);
    expect(claims).toEqual(['sweep']);
  });

  it('skips an exclusive job whose lease another process holds, and still runs the others', async () => {
    const claims: string[] = [];
    const { runner, ran, errors } = jobs(false, claims);
    runner.start();
    await settle();
    await runner.stop();
    expect(ran).toEqual(['delivery']);
    expect(claims).toEqual(['sweep']);
    expect(errors).toEqual([]);
  });

  describe('wakes', () => {
    function wakeable(wakeWithinMs: number | undefined, runMs = 0) {
      const runs: number[] = [];
      const runner = new BackgroundJobs(
        [
          {
            name: 'delivery',
            intervalMs: 60_000,
            firstRunAfterMs: 60_000,
            wakeWithinMs,
            run: async () => {
              runs.push(performance.now());
              await new Promise((resolve) => setTimeout(resolve, runMs));
              return false;
            },
          },
        ],
        () => undefined,
      );
      runner.start();
      return { runner, runs };
    }

    it('serves a burst of wakes with one run, within wakeWithinMs', async () => {
      const { runner, runs } = wakeable(50);
      const woken = performance.now();
      for (let index = 0; index < 10; index += 1) runner.wake('delivery');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(runs).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 80));
      await runner.stop();
      expect(runs).toHaveLength(1);
      expect(runs[0]! - woken).toBeGreaterThanOrEqual(45);
    });

    it('runs at once when woken without wakeWithinMs', async () => {
      const { runner, runs } = wakeable(undefined);
      runner.wake('delivery');
      await new Promise((resolve) => setTimeout(resolve, 20));
      await runner.stop();
      expect(runs).toHaveLength(1);
    });

    it('woken while it runs, runs once more within wakeWithinMs after', async () => {
      const { runner, runs } = wakeable(50, 30);
      runner.wake('delivery');
      // The run starts 50 ms in and lasts 30 ms.
      await new Promise((resolve) => setTimeout(resolve, 60));
      runner.wake('delivery');
      runner.wake('delivery');
      await new Promise((resolve) => setTimeout(resolve, 200));
      await runner.stop();
      expect(runs).toHaveLength(2);
      // The second run waited its wakeWithinMs after the first ended.
      expect(runs[1]! - runs[0]!).toBeGreaterThanOrEqual(75);
    });
  });
});
