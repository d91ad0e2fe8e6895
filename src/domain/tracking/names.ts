import { assertSafeKey } from '../store-key.js';

/**
 * Naming rules for what is tracked and registered. Names end up in store keys, in MLflow search
 * filters (quoted with '...') and in URLs, so they are kept to a plain character set that needs
 * no escaping anywhere.
 */
export class InvalidTrackingNameError extends Error {
  constructor(what: string, value: string, rule: string) {
    super(`invalid ${what} ${JSON.stringify(value)}: ${rule}`);
    this.name = 'InvalidTrackingNameError';
  }
}

const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_NAME = 200;

function assertPlain(what: string, value: string): string {
  if (value.length > MAX_NAME) throw new InvalidTrackingNameError(what, value, `longer than ${MAX_NAME} characters`);
  if (!PLAIN.test(value)) {
    throw new InvalidTrackingNameError(what, value, 'use letters, digits, ".", "_" and "-", starting with a letter or digit');
  }
  return value;
}

/** A tracking record id: also a store key segment and an MLflow tag value used in a filter. */
export function assertRecordId(value: string): string {
  return assertPlain('tracking record id', value);
}

/** An experiment or registered model name. */
export function assertModelName(value: string): string {
  return assertPlain('name', value);
}

/** A model alias such as `champion`. */
export function assertAlias(value: string): string {
  return assertPlain('alias', value);
}

/** A run id as the trackers make them (MLflow: 32 hex digits; local: a record id). */
export function assertRunId(value: string): string {
  return assertPlain('run id', value);
}

/** An artifact path inside a run: relative, '/'-separated, no dot segments. */
export function assertArtifactPath(value: string): string {
  return assertSafeKey(value);
}

/**
 * The record id of one training: the pipeline run id and the task id, made plain, with a short
 * hash of both so that two task ids differing only in punctuation never share an id.
 */
export function trackingRecordId(pipelineRunId: string, taskId: string): string {
  const plain = `${pipelineRunId}--${taskId}`
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .replace(/_+$/, '')
    .slice(0, 150);
  return `${plain}-${fnv1a32(`${pipelineRunId}\u0000${taskId}`)}`;
}

/** FNV-1a, 32 bits, as 8 hex digits: a stable, dependency-free fingerprint (not a security hash). */
function fnv1a32(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
