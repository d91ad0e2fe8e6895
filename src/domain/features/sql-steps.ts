/** A named SELECT of a SQL job, and how steps become statements both engines run. */
export interface SqlStep {
  /** The view name later steps and outputs refer to. */
  readonly name: string;
  /** One SELECT statement (no trailing semicolon). */
  readonly sql: string;
}

/**
 * Each step as a temporary view: both engines accept `CREATE OR REPLACE TEMPORARY VIEW`, and a
 * view writes nothing anywhere, so a job leaves no state behind in either engine.
 */
export function renderSteps(steps: readonly SqlStep[]): string[] {
  const seen = new Set<string>();
  return steps.map((step) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(step.name)) throw new Error(`step name ${JSON.stringify(step.name)} is not a plain identifier`);
    if (seen.has(step.name)) throw new Error(`step ${step.name} is defined twice`);
    seen.add(step.name);
    return `CREATE OR REPLACE TEMPORARY VIEW ${step.name} AS\n${step.sql}`;
  });
}
