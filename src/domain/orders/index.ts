/** Order lines of the Kaggle file: columns, typed lines, parsing and validation rules, quality report. */
export * from './columns.js';
export * from './order-line.js';
export * from './field-parsers.js';
export * from './reasons.js';
export * from './row-rules.js';
export * from './duplicates.js';
export * from './fingerprint-map.js';
export * from './row-fingerprint.js';
export * from './header.js';
export * from './file-errors.js';
export * from './quality-report.js';
export * from './data-quality-error.js';
export * from './quote-value.js';
