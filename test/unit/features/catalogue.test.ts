import {
  FEATURE_CATALOGUE,
  FEATURE_KEY_COLUMNS,
  FEATURE_LABEL_COLUMNS,
  FEATURE_NAMES,
  FEATURE_OUTPUT_COLUMNS,
  OUTCOME_COLUMNS,
  featureSpecs,
} from '../../../src/domain/features/catalogue.js';
import { featureExpression } from '../../../src/domain/features/feature-sql.js';
import { featureSpecsSchema } from '../../../src/domain/model/feature-spec-schema.js';
import { ORDER_LINE_FIELDS } from '../../../src/domain/orders/order-line.js';

describe('feature catalogue', () => {
  it('names every feature once, with a kind, a scope and a one-line meaning', () => {
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
    for (const f of FEATURE_CATALOGUE) {
      expect(f.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(['numeric', 'categorical']).toContain(f.kind);
      expect(['line', 'calendar', 'basket', 'history']).toContain(f.scope);
      expect(f.meaning.length).toBeGreaterThan(10);
      expect(f.meaning).not.toMatch(/\n/);
    }
  });

  it('covers what the issue asks for', () => {
    for (const name of [
      'brand',
      'category',
      'version_size',
      'version_fit',
      'version_length',
      'model',
      'unit_price',
      'discount_rate',
      'purchase_month',
      'purchase_weekday',
      'days_since_black_friday',
      'days_to_boxing_day',
      'basket_lines',
      'bracket_size',
      'buyer_prior_purchases',
      'buyer_prior_returns',
      'buyer_return_rate',
      'buyer_days_since_last_purchase',
      'model_return_rate',
      'sku_return_rate',
      'brand_return_rate',
      'category_return_rate',
    ]) {
      expect(FEATURE_NAMES).toContain(name);
    }
  });

  it('never reads an outcome column of the same line', () => {
    const outcome = new Set<string>(OUTCOME_COLUMNS);
    for (const f of FEATURE_CATALOGUE) {
      for (const column of f.lineColumns) {
        expect(ORDER_LINE_FIELDS).toContain(column);
        expect(outcome.has(column)).toBe(false);
      }
    }
    for (const column of ['refunds', 'refunded_item_count', 'final_quantity', 'final_revenue', 'overall_revenue', 'sales_tax']) {
      expect(OUTCOME_COLUMNS).toContain(column);
    }
  });

  it('has no feature named like a label or an outcome column', () => {
    const forbidden = new Set<string>([...OUTCOME_COLUMNS, ...FEATURE_LABEL_COLUMNS, 'label', 'returned', 'return_lag_days', 'link_method']);
    for (const name of FEATURE_NAMES) expect(forbidden.has(name)).toBe(false);
  });

  it('lays out the output as keys, labels, then features, with no column twice', () => {
    expect(FEATURE_OUTPUT_COLUMNS).toEqual([...FEATURE_KEY_COLUMNS, 'label', 'label_mature', 'split', ...FEATURE_NAMES]);
    expect(new Set(FEATURE_OUTPUT_COLUMNS).size).toBe(FEATURE_OUTPUT_COLUMNS.length);
  });

  it('gives every feature an SQL expression cast to its kind', () => {
    for (const f of FEATURE_CATALOGUE) {
      expect(featureExpression(f.name)).toMatch(f.kind === 'numeric' ? / AS DOUBLE\)$/ : / AS STRING\)$/);
    }
    expect(() => featureExpression('refunds')).toThrow(/no SQL expression/);
  });

  it('exports name and kind in the shape a model artifact records', () => {
    expect(featureSpecsSchema.parse(featureSpecs())).toHaveLength(FEATURE_CATALOGUE.length);
  });
});
