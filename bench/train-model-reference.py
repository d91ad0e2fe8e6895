"""The reference anchors and the scorer of bench/train-model.ts.

bench/train-model.ts runs this script; to run it by hand (after `make bench-venv`):

    .venv/bin/python bench/train-model-reference.py --anchor hgb --features F.parquet \\
        --catalogue catalogue.json --out hgb.csv [--seed 0]
    .venv/bin/python bench/train-model-reference.py --score --features F.parquet --truth truth.csv \\
        --predictions ours=ours.csv hgb=hgb.csv ...

--anchor fits one model on the train split of the project's own features.parquet (the mature
rows), stopping early on its validation split where the model can, and writes its test-split
probabilities as CSV (line_number,p). It prints progress lines and, last, one JSON line: fit
seconds and CPU seconds (the fit only, not the loading), peak RSS (ru_maxrss, KB on Linux) and
the rounds or iterations used. The feature names and kinds come from --catalogue, a JSON list of
{"name", "kind"} that the driver writes from src/domain/features/catalogue.ts: nothing about the
features is written here.

Anchors:
  hgb               scikit-learn HistGradientBoostingClassifier, categories native (at most 255
                    levels per feature: the rarer train levels and unseen ones become "other").
  logistic          scikit-learn LogisticRegression(max_iter=1000) after imputation with
                    indicators + scaling (numeric) and one-hot encoding (categorical).
  lightgbm          lightgbm.train, binary, categories native, all cores.
  lightgbm_1thread  the same on one thread.
The boosted anchors use learning rate 0.1, 31 leaves, at most 300 rounds and stop after 20 rounds
without a better validation log loss: the defaults of the project's own GBDT.

HistGradientBoosting and LightGBM run on OpenMP. bench/train-model.ts starts them with
OMP_WAIT_POLICY=PASSIVE (its --omp-wait-policy): while other work keeps the cores busy, OpenMP's
default spinning at each barrier made both 100 to 150 times slower on 2 threads (10,000 train
rows: HistGradientBoosting 49.5 s instead of 0.3 s, LightGBM 38.5 s instead of 0.23 s).

--score joins every file of predictions and the truth side file's true_probability to the test
rows (by line_number; the truth's `row` is the line's number among the order file's data rows, so
line_number - 1), checks that the keys agree, and prints ROC AUC, log loss and Brier score of each
with scikit-learn's metrics, then one JSON line.
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

SPLITS = ('train', 'validation', 'test')
LEARNING_RATE = 0.1
LEAVES = 31
MAX_ROUNDS = 300
EARLY_STOPPING_ROUNDS = 20
HGB_MAX_CATEGORIES = 255
OTHER = '__other__'


def progress(message):
    print(message, flush=True)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_splits(features_path, catalogue):
    """The mature rows of each split: features (categoricals as str with NaN), label, line_number."""
    names = [f['name'] for f in catalogue]
    table = pd.read_parquet(features_path, columns=['line_number', 'label', 'label_mature', 'split', *names])
    table = table[table['label_mature'].fillna(False).astype(bool) & table['split'].isin(SPLITS)]
    parts = {}
    for split in SPLITS:
        part = table[table['split'] == split]
        x = pd.DataFrame(index=part.index)
        for f in catalogue:
            column = part[f['name']]
            x[f['name']] = column.astype(object).where(column.notna(), np.nan) if f['kind'] == 'categorical' else column.astype('float64')
        parts[split] = dict(x=x.reset_index(drop=True), y=(part['label'] == 1).astype(np.int8).to_numpy(), line_number=part['line_number'].astype('int64').to_numpy())
    return parts


def with_categories(parts, categorical, cap=None):
    """Categoricals as a pandas category dtype fixed by the train levels (unseen -> missing).

    With `cap`, only the cap - 1 most frequent train levels are kept and the others (and the
    levels unseen in train) become OTHER, as scikit-learn accepts at most 255 categories.
    """
    out = {split: part['x'].copy() for split, part in parts.items()}
    for name in categorical:
        counts = out['train'][name].value_counts()
        keep = list(counts.index) if cap is None or len(counts) <= cap else list(counts.index[: cap - 1])
        folded = cap is not None and len(keep) < len(counts)
        dtype = pd.CategoricalDtype(sorted(keep + ([OTHER] if folded else [])))
        for split in out:
            column = out[split][name]
            known = column.isna() | column.isin(keep)
            out[split][name] = column.where(known, OTHER if folded else np.nan).astype(dtype)
    return out


def fit_hgb(parts, categorical, seed, threads):
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = with_categories(parts, categorical, cap=HGB_MAX_CATEGORIES)
    model = HistGradientBoostingClassifier(
        learning_rate=LEARNING_RATE,
        max_leaf_nodes=LEAVES,
        max_iter=MAX_ROUNDS,
        early_stopping=True,
        n_iter_no_change=EARLY_STOPPING_ROUNDS,
        scoring='loss',
        categorical_features='from_dtype',
        random_state=seed,
    )

    def fit():
        model.fit(x['train'], parts['train']['y'], X_val=x['validation'], y_val=parts['validation']['y'])
        return dict(iterations=int(model.n_iter_))

    return fit, lambda: model.predict_proba(x['test'])[:, 1]


def fit_logistic(parts, categorical, seed, threads):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in parts['train']['x'].columns if c not in categorical]
    # OneHotEncoder wants uniformly typed values: missing becomes a level of its own.
    x = {split: part['x'].assign(**{c: part['x'][c].fillna('__missing__').astype(str) for c in categorical}) for split, part in parts.items()}
    model = Pipeline([
        ('encode', ColumnTransformer([
            ('numeric', make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()), numeric),
            ('categorical', OneHotEncoder(handle_unknown='infrequent_if_exist', min_frequency=10), categorical),
        ])),
        ('classify', LogisticRegression(max_iter=1000, random_state=seed)),
    ])

    def fit():
        model.fit(x['train'], parts['train']['y'])
        return dict(iterations=int(np.max(model.named_steps['classify'].n_iter_)), encoded_columns=int(model.named_steps['classify'].coef_.shape[1]))

    return fit, lambda: model.predict_proba(x['test'])[:, 1]


def fit_lightgbm(parts, categorical, seed, threads):
    import lightgbm as lgb

    x = with_categories(parts, categorical)
    params = dict(objective='binary', learning_rate=LEARNING_RATE, num_leaves=LEAVES, seed=seed, verbose=-1)
    if threads is not None:
        params['num_threads'] = threads
    holder = {'rounds': 0}

    def count_rounds(env):
        holder['rounds'] = env.iteration + 1

    def fit():
        # Datasets are built lazily, inside train: the binning is part of the timed fit, as in the other models.
        train = lgb.Dataset(x['train'], parts['train']['y'], categorical_feature=categorical)
        valid = lgb.Dataset(x['validation'], parts['validation']['y'], categorical_feature=categorical, reference=train)
        callbacks = [lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False), count_rounds]
        holder['booster'] = lgb.train(params, train, num_boost_round=MAX_ROUNDS, valid_sets=[valid], callbacks=callbacks)
        return dict(iterations=holder['rounds'], best_iteration=int(holder['booster'].best_iteration))

    return fit, lambda: holder['booster'].predict(x['test'], num_iteration=holder['booster'].best_iteration)


ANCHORS = {
    'hgb': (fit_hgb, None),
    'logistic': (fit_logistic, None),
    'lightgbm': (fit_lightgbm, None),
    'lightgbm_1thread': (fit_lightgbm, 1),
}


def run_anchor(args):
    catalogue = json.load(open(args.catalogue))
    categorical = [f['name'] for f in catalogue if f['kind'] == 'categorical']
    started = time.perf_counter()
    parts = load_splits(args.features, catalogue)
    load_seconds = time.perf_counter() - started
    rows = {split: int(len(part['y'])) for split, part in parts.items()}
    progress(f'{args.anchor}: {rows["train"]:,} train, {rows["validation"]:,} validation, {rows["test"]:,} test rows loaded in {load_seconds:.1f} s; fitting ...')
    build, threads = ANCHORS[args.anchor]
    fit, predict_test = build(parts, categorical, args.seed, threads)
    wall, cpu = time.perf_counter(), time.process_time()
    details = fit()
    fit_seconds, fit_cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
    peak = peak_rss_mb()
    p = predict_test()
    pd.DataFrame({'line_number': parts['test']['line_number'], 'p': p}).to_csv(args.out, index=False)
    progress(f'{args.anchor}: fitted in {fit_seconds:.1f} s ({fit_cpu_seconds:.1f} s CPU), peak RSS {peak:.0f} MB, {details}')
    print(json.dumps(dict(anchor=args.anchor, threads=threads or f'default ({os.cpu_count()} cores)', omp_wait_policy=os.environ.get('OMP_WAIT_POLICY', 'library default'), fit_seconds=fit_seconds, fit_cpu_seconds=fit_cpu_seconds, load_seconds=load_seconds, peak_rss_mb=peak, rows=rows, **details)), flush=True)


def read_truth(path):
    truth = pd.read_csv(path, dtype={'row': 'int64', 'Item Code': str, 'Date': str, 'true_probability': 'float64'}, usecols=['row', 'Item Code', 'Date', 'true_probability', 'returned'], keep_default_na=False)
    return truth.rename(columns={'Item Code': 'truth_item_code', 'Date': 'truth_date'})


def run_score(args):
    test = pd.read_parquet(args.features, columns=['line_number', 'item_code', 'date', 'label', 'label_mature', 'split'])
    test = test[test['label_mature'].fillna(False).astype(bool) & (test['split'] == 'test')].copy()
    test['line_number'] = test['line_number'].astype('int64')
    y = (test['label'] == 1).astype(np.int8).to_numpy()
    if len(test) == 0 or y.min() == y.max():
        sys.exit(f'the test split of {args.features} has {len(test)} rows and a single class: nothing to score')

    # The order file's line 1 is its header, so data row k (the truth's `row`) is line k + 1.
    test['row'] = test['line_number'] - 1
    joined = test.merge(read_truth(args.truth), on='row', how='left', validate='one_to_one')
    missing = int(joined['true_probability'].isna().sum())
    if missing > 0:
        sys.exit(f'{missing} of {len(test)} test rows have no row in {args.truth}')
    truth_dates = pd.to_datetime(joined['truth_date'], format='%d/%m/%Y').dt.date
    feature_dates = pd.to_datetime(joined['date']).dt.date
    mismatched = (joined['truth_item_code'] != joined['item_code']) | (truth_dates != feature_dates)
    if mismatched.any():
        first = joined[mismatched].iloc[0]
        sys.exit(f'{int(mismatched.sum())} test rows disagree with the truth on Item Code or Date, e.g. line {first.line_number}: {first.item_code} {first.date} vs {first.truth_item_code} {first.truth_date}')

    scores = {}

    def score(name, p):
        p = np.asarray(p, dtype='float64')
        scores[name] = dict(roc_auc=float(roc_auc_score(y, p)), log_loss=float(log_loss(y, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1])), brier=float(brier_score_loss(y, p)))

    for spec in args.predictions:
        name, _, path = spec.partition('=')
        predictions = pd.read_csv(path, dtype={'line_number': 'int64', 'p': 'float64'})
        if predictions['line_number'].duplicated().any():
            sys.exit(f'{path}: line_number repeats')
        aligned = test[['line_number']].merge(predictions, on='line_number', how='left', validate='one_to_one')
        if aligned['p'].isna().any() or len(predictions) != len(test):
            sys.exit(f'{path}: {len(predictions)} predictions, {int(aligned["p"].isna().sum())} of the {len(test)} test rows without one')
        score(name, aligned['p'])
    score('truth', joined['true_probability'])

    returned = joined['returned'].astype('int64').to_numpy()
    figures = dict(
        test_rows=int(len(test)),
        test_positives=int(y.sum()),
        truth_join='line_number - 1 == truth row; Item Code and Date agree on every test row',
        label_agrees_with_truth_returned=float(np.mean(returned == y)),
        scores=scores,
    )
    progress(f'{len(test):,} test rows, {int(y.sum()):,} returned (label); the label equals the truth\'s `returned` on {figures["label_agrees_with_truth_returned"]:.2%} of them')
    progress(f'{"":<18}{"ROC AUC":>9}{"log loss":>10}{"Brier":>9}')
    for name, s in scores.items():
        progress(f'{name:<18}{s["roc_auc"]:>9.4f}{s["log_loss"]:>10.4f}{s["brier"]:>9.4f}')
    print(json.dumps(figures), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument('--anchor', choices=sorted(ANCHORS))
    mode.add_argument('--score', action='store_true')
    parser.add_argument('--features', required=True, help="the project's features.parquet")
    parser.add_argument('--catalogue', help='JSON list of {"name", "kind"} (for --anchor)')
    parser.add_argument('--out', help='predictions CSV to write (for --anchor)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--truth', help='the generator\'s truth side file (for --score)')
    parser.add_argument('--predictions', nargs='*', default=[], metavar='NAME=FILE', help='predictions CSVs to score (for --score)')
    args = parser.parse_args()
    if args.anchor is not None:
        if args.catalogue is None or args.out is None:
            parser.error('--anchor needs --catalogue and --out')
        run_anchor(args)
    else:
        if args.truth is None:
            parser.error('--score needs --truth')
        run_score(args)


if __name__ == '__main__':
    main()
