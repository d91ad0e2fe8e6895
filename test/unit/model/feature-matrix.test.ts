import { binMatrix, binTrainingMatrix, binWithMappers, fitBinMappers, MISSING_BIN, numericBin, OTHER_BIN } from '../../../src/domain/model/binning.js';
import {
  categoricalColumn,
  featureMatrix,
  levelTranslation,
  matrixFromRows,
  numericColumn,
  resolveColumns,
  subsetRows,
} from '../../../src/domain/model/feature-matrix.js';

describe('feature matrix', () => {
  it('builds columns from plain rows: NaN and -1 for missing, levels per matrix', () => {
    const x = matrixFromRows(
      [{ price: 10, brand: 'a' }, { price: null, brand: 'b' }, { brand: null }, { price: 2.5, brand: 'a' }],
      [
        { name: 'price', kind: 'numeric' },
        { name: 'brand', kind: 'categorical' },
      ],
    );
    expect(x.rows).toBe(4);
    const [price, brand] = x.columns;
    expect(price?.kind === 'numeric' && Array.from(price.values)).toEqual([10, NaN, NaN, 2.5]);
    expect(brand?.kind === 'categorical' && Array.from(brand.codes)).toEqual([0, 1, -1, 0]);
    expect(brand?.kind === 'categorical' && brand.levels).toEqual(['a', 'b']);
    expect(() => matrixFromRows([{ price: 'x' }], [{ name: 'price', kind: 'numeric' }])).toThrow(/price must be a number/);
  });

  it('translates a matrix level to a model level by name; unknown levels become -1', () => {
    const column = categoricalColumn('c', ['x', 'new', 'y'], []);
    expect(Array.from(levelTranslation(column, new Map([['y', 0], ['x', 1]])))).toEqual([1, -1, 0]);
  });

  it('subsets rows and finds columns by name and kind', () => {
    const x = featureMatrix([numericColumn('a', [1, 2, 3]), categoricalColumn('b', ['p', 'q', 'p'])]);
    const sub = subsetRows(x, [2, 0, 2]);
    expect(sub.rows).toBe(3);
    expect(Array.from((sub.columns[0] as { values: Float64Array }).values)).toEqual([3, 1, 3]);
    expect(resolveColumns(x, [{ name: 'b', kind: 'categorical' }])[0]?.name).toBe('b');
    expect(() => resolveColumns(x, [{ name: 'b', kind: 'numeric' }])).toThrow(/categorical in the input/);
    expect(() => resolveColumns(x, [{ name: 'z', kind: 'numeric' }])).toThrow(/lacks/);
    expect(() => featureMatrix([numericColumn('a', [1]), numericColumn('b', [1, 2])])).toThrow(/rows/);
  });
});

describe('binning', () => {
  it('gives each of few distinct values its own bin, with midpoint edges matching `x <= edge`', () => {
    const x = featureMatrix([numericColumn('v', [3, 1, 2, 2, NaN, 10])]);
    const [mapper] = fitBinMappers(x, [{ name: 'v', kind: 'numeric' }]);
    expect(mapper?.kind === 'numeric' && Array.from(mapper.edges)).toEqual([1.5, 2.5, 6.5]);
    const binned = binMatrix(x, mapper === undefined ? [] : [mapper]);
    expect(Array.from(binned.bins[0] ?? [])).toEqual([3, 1, 2, 2, MISSING_BIN, 4]);
    // bins 1..b go left exactly when x <= edges[b - 1]
    const edges = Float64Array.from([1.5, 2.5, 6.5]);
    for (const v of [-1, 1.5, 1.6, 2.5, 6.5, 7, 1e300]) {
      for (let b = 1; b <= 3; b++) expect(numericBin(edges, v) <= b).toBe(v <= (edges[b - 1] as number));
    }
  });

  it('keeps at most maxBins - 1 value bins on many distinct values (quantiles)', () => {
    const values = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 5003);
    const x = featureMatrix([numericColumn('v', values)]);
    const [mapper] = fitBinMappers(x, [{ name: 'v', kind: 'numeric' }], { maxBins: 17, minCategoryCount: 1, sampleRows: 100_000, seed: 0 });
    expect(mapper?.nBins).toBeLessThanOrEqual(17);
    expect(mapper?.nBins).toBeGreaterThan(12);
    const counts = new Map<number, number>();
    for (const b of binMatrix(x, mapper === undefined ? [] : [mapper]).bins[0] ?? []) counts.set(b, (counts.get(b) ?? 0) + 1);
    for (const c of counts.values()) expect(c).toBeLessThan(700); // near-equal bins of ~312
  });

  it('puts rare and unseen levels in "other" and missing in bin 0', () => {
    const train = featureMatrix([categoricalColumn('c', ['a', 'a', 'a', 'b', 'b', 'rare', null])]);
    const mappers = fitBinMappers(train, [{ name: 'c', kind: 'categorical' }], { maxBins: 256, minCategoryCount: 2, sampleRows: 100, seed: 0 });
    expect(mappers[0]?.kind === 'categorical' && mappers[0].levels).toEqual(['a', 'b']);
    const scoring = featureMatrix([categoricalColumn('c', ['b', 'unseen', null, 'rare', 'a'])]);
    expect(Array.from(binMatrix(scoring, mappers).bins[0] ?? [])).toEqual([3, OTHER_BIN, MISSING_BIN, OTHER_BIN, 2]);
  });

  it('bins a training matrix once per settings for the tree families, as fitting and binning directly would', () => {
    const specs = [
      { name: 'v', kind: 'numeric' as const },
      { name: 'c', kind: 'categorical' as const },
    ];
    const make = () => featureMatrix([numericColumn('v', [3, 1, Number.NaN, 2, 5, 4]), categoricalColumn('c', ['a', 'b', 'a', null, 'b', 'a'])]);
    const train = make();
    const settings = { maxBins: 256, minCategoryCount: 1, seed: 0 };
    const first = binTrainingMatrix(train, specs, settings);
    expect(binTrainingMatrix(train, specs, { ...settings })).toBe(first);
    // Other settings, or another matrix object with the same values, are binned anew.
    expect(binTrainingMatrix(train, specs, { ...settings, maxBins: 3 })).not.toBe(first);
    const again = binTrainingMatrix(make(), specs, settings);
    expect(again).not.toBe(first);
    const direct = fitBinMappers(train, specs, { ...settings, sampleRows: 200_000 });
    expect(first.mappers).toEqual(direct);
    expect(first.data.bins.map((b) => Array.from(b))).toEqual(binMatrix(train, direct).bins.map((b) => Array.from(b)));
    expect(again.data.bins.map((b) => Array.from(b))).toEqual(first.data.bins.map((b) => Array.from(b)));

    const valid = make();
    expect(binWithMappers(valid, first.mappers)).toBe(binWithMappers(valid, first.mappers));
    expect(binWithMappers(valid, first.mappers).bins.map((b) => Array.from(b))).toEqual(binMatrix(valid, first.mappers).bins.map((b) => Array.from(b)));
  });
});
