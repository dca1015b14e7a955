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
});
