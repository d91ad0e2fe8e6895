/** The only way any layer learns the time, so tests can fix it. */
export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}
