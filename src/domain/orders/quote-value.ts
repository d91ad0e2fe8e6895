/** Quotes a value for a message, cut short so one bad cell never floods a report. */
export function quoteValue(value: string, max = 40): string {
  const shown = value.length > max ? `${value.slice(0, max - 1)}…` : value;
  return JSON.stringify(shown);
}
