"""The anchor of bench/forward-test.ts (issue 13): what a competent data scientist's notebook does
with the raw order file, as one self-contained script.

    .venv/bin/python bench/forward-anchor.py --orders orders.csv --as-of 2019-03-01 --out p.csv \\
        [--horizon 35] [--forward-days 31] [--model all|hgb|logistic|lightgbm]

DuckDB reads the raw CSV, links every return row to its purchase (same Buyer ID, Item Code and
Transaction ID text, dated on or after it, within the horizon) and builds point-in-time features:
history counts only events dated strictly before the purchase's date, a return on its own date.
The models learn from every purchase whose label is mature on the morning of D (date + horizon <
D, from returns dated before D) and score the purchases dated D .. D + forward-days - 1, each with
the history of the whole file before its own date: what scoring each morning would see.
Writes line_number,model,p (line_number: the line in the file, the header being line 1), prints
progress, then one JSON line with the time of each step and the peak RSS.
"""
import argparse
import json
import resource
import time

import duckdb
import numpy as np
import pandas as pd

CATEGORICAL = ['brand', 'category', 'v_size', 'v_fit', 'v_length', 'month', 'weekday']
COUNTS = ['unit_price', 'basket_lines', 'buyer_prior_purchases', 'buyer_prior_returns', 'buyer_days_since_last_purchase', 'model_prior_purchases']
NUMERIC = [*COUNTS, 'discount_rate', 'bracket_size', 'buyer_return_rate', 'model_return_rate']
SMOOTHING = {'buyer': 5, 'model': 20}  # pseudo-purchases at the global rate: a buyer is noisier evidence than a model's crowd


def history(key):
    """Prior purchases, prior returns and the last purchase day of each `key` on each of its days."""
    return f"""
        WITH daily AS (
            SELECT {key}, d, sum(p) AS p, sum(r) AS r FROM (
                SELECT {key}, d, 1 AS p, 0 AS r FROM purchases UNION ALL SELECT {key}, d, 0, 1 FROM return_events)
            GROUP BY ALL)
        SELECT {key}, d, coalesce(sum(p) OVER before, 0) AS {key}_prior_purchases, coalesce(sum(r) OVER before, 0) AS {key}_prior_returns,
               d - max(d) FILTER (WHERE p > 0) OVER before AS {key}_days_since_last_purchase
        FROM daily WINDOW before AS (PARTITION BY {key} ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"""


def read_orders(con, orders):
    # all_varchar: the IDs are text (some in scientific notation), and dates are d/m/yyyy.
    con.execute('CREATE TABLE raw AS SELECT * FROM read_csv(?, header = true, all_varchar = true)', [orders])


def build_features(con, as_of, horizon, forward_days):
    # rowid follows the file's order (DuckDB preserves insertion order); data starts on line 2.
    con.execute("""CREATE TABLE lines AS SELECT rowid + 2 AS line_number, "Item Name" AS brand, "Category" AS category,
        "Item Code" AS sku, "Item ID" AS model, "Buyer ID" AS buyer, "Transaction ID" AS txn,
        split_part("Version", ' / ', 1) AS v_size, split_part("Version", ' / ', 2) AS v_fit, split_part("Version", ' / ', 3) AS v_length,
        strptime("Date", '%d/%m/%Y')::DATE AS d, TRY_CAST("Total Revenue" AS DOUBLE) AS revenue,
        TRY_CAST("Price Reductions" AS DOUBLE) AS reduction, TRY_CAST("Purchased Item Count" AS INT) AS purchased,
        TRY_CAST("Refunded Item Count" AS INT) AS refunded
        FROM raw WHERE "Category" <> 'DPR'""")  # DPR: delivery charges, not products
    con.execute('CREATE TABLE purchases AS SELECT *, refunded = -1 AS returned_in_row FROM lines WHERE purchased >= 1')
    con.execute('CREATE TABLE returns AS SELECT buyer, model, sku, txn, d FROM lines WHERE purchased = 0 AND refunded = -1')
    con.execute('CREATE VIEW return_events AS SELECT buyer, model, d FROM returns UNION ALL SELECT buyer, model, d FROM purchases WHERE returned_in_row')
    con.execute(f'CREATE TABLE buyer_history AS {history("buyer")}')
    con.execute(f'CREATE TABLE model_history AS {history("model")}')
    return con.execute(f"""
        WITH basket AS (SELECT buyer, txn, d, count(*) AS basket_lines FROM purchases GROUP BY ALL),
        bracket AS (SELECT buyer, txn, d, model, count(DISTINCT sku) AS bracket_size FROM purchases GROUP BY ALL),
        linked AS (  -- the labels the morning of D can know: returns dated before D
            SELECT DISTINCT p.line_number FROM purchases p JOIN returns r USING (buyer, sku, txn)
            WHERE r.d BETWEEN p.d AND p.d + {horizon} AND r.d < $as_of)
        SELECT p.line_number, p.d, p.d + {horizon} < $as_of AS train, p.d >= $as_of AND p.d < $as_of + {forward_days} AS scored,
               (p.returned_in_row AND p.d < $as_of) OR l.line_number IS NOT NULL AS label,
               brand, category, v_size, v_fit, v_length, strftime(p.d, '%m') AS month, dayname(p.d) AS weekday,
               revenue / purchased AS unit_price, -reduction / nullif(revenue, 0) AS discount_rate, basket_lines, bracket_size,
               buyer_prior_purchases, buyer_prior_returns, buyer_days_since_last_purchase, model_prior_purchases, model_prior_returns
        FROM purchases p JOIN basket USING (buyer, txn, d) JOIN bracket USING (buyer, txn, d, model)
        JOIN buyer_history USING (buyer, d) JOIN model_history USING (model, d) LEFT JOIN linked l USING (line_number)
        WHERE train OR scored ORDER BY p.line_number""", {'as_of': as_of}).df()


def fit_logistic(x, y, holdout):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    # Counts and prices are skewed: log1p before scaling; a missing gap (first purchase) gets an indicator.
    encode = ColumnTransformer([
        ('counts', make_pipeline(SimpleImputer(strategy='median', add_indicator=True), FunctionTransformer(np.log1p), StandardScaler()), COUNTS),
        ('numeric', make_pipeline(SimpleImputer(strategy='median'), StandardScaler()), [c for c in NUMERIC if c not in COUNTS]),
        ('categorical', OneHotEncoder(handle_unknown='infrequent_if_exist', min_frequency=20), CATEGORICAL),
    ])
    model = make_pipeline(encode, LogisticRegression(max_iter=2000))
    model.fit(x.astype({c: str for c in CATEGORICAL}), y)
    return lambda z: model.predict_proba(z.astype({c: str for c in CATEGORICAL}))[:, 1], {'iterations': int(model[-1].n_iter_[0])}


def fit_hgb(x, y, holdout):
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(max_iter=1000, early_stopping=True, categorical_features='from_dtype', random_state=0)
    model.fit(x[~holdout], y[~holdout], X_val=x[holdout], y_val=y[holdout])
    return lambda z: model.predict_proba(z)[:, 1], {'iterations': int(model.n_iter_)}


def fit_lightgbm(x, y, holdout):
    import lightgbm as lgb

    model = lgb.LGBMClassifier(n_estimators=1000, random_state=0, verbose=-1)
    model.fit(x[~holdout], y[~holdout], eval_X=x[holdout], eval_y=y[holdout], callbacks=[lgb.early_stopping(50, verbose=False)])
    return lambda z: model.predict_proba(z)[:, 1], {'iterations': int(model.best_iteration_)}


MODELS = {'logistic': fit_logistic, 'hgb': fit_hgb, 'lightgbm': fit_lightgbm}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--orders', required=True)
    parser.add_argument('--as-of', required=True, help='D, YYYY-MM-DD: the morning the models are trained')
    parser.add_argument('--horizon', type=int, default=35)
    parser.add_argument('--forward-days', type=int, default=31)
    parser.add_argument('--out', required=True)
    parser.add_argument('--model', choices=['all', *MODELS], default='all')
    args = parser.parse_args()
    started, cpu_started = time.perf_counter(), time.process_time()
    steps, details = {}, {}

    def step(name, t):
        steps[name] = round(time.perf_counter() - t, 3)
        print(f'{name}: {steps[name]:.1f} s', flush=True)

    con = duckdb.connect()
    t = time.perf_counter()
    read_orders(con, args.orders)
    step('read_csv', t)
    t = time.perf_counter()
    table = build_features(con, pd.Timestamp(args.as_of).date(), args.horizon, args.forward_days)
    train, scored = table[table['train']].reset_index(drop=True), table[table['scored']].reset_index(drop=True)
    y = train['label'].astype(int).to_numpy()
    rate = y.mean()  # the global prior of the smoothed rates: what training knows
    for part in (train, scored):
        for key, m in SMOOTHING.items():
            part[f'{key}_return_rate'] = (part[f'{key}_prior_returns'] + m * rate) / (part[f'{key}_prior_purchases'] + m)
        for c in CATEGORICAL:  # the levels seen in training; unseen ones become missing
            levels = sorted(train[c].dropna().unique())
            part[c] = pd.Categorical(part[c].where(part[c].isin(levels)), categories=levels)
    step('features', t)
    # Early stopping watches the latest tenth of the training purchases: the forward test is later still.
    holdout = (train['d'] >= train['d'].quantile(0.9)).to_numpy()
    x_train, x_scored = train[CATEGORICAL + NUMERIC], scored[CATEGORICAL + NUMERIC]
    out = []
    for name in MODELS if args.model == 'all' else [args.model]:
        t = time.perf_counter()
        predict, details[name] = MODELS[name](x_train, y, holdout)
        step(f'fit_{name}', t)
        t = time.perf_counter()
        out.append(pd.DataFrame({'line_number': scored['line_number'], 'model': name, 'p': predict(x_scored)}))
        step(f'predict_{name}', t)
    t = time.perf_counter()
    pd.concat(out).to_csv(args.out, index=False)
    step('write', t)
    print(json.dumps({
        'seconds': time.perf_counter() - started, 'cpu_seconds': time.process_time() - cpu_started,
        'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'steps': steps, 'models': details,
        'rows': {'train': len(train), 'train_positives': int(y.sum()), 'early_stopping_holdout': int(holdout.sum()), 'scored': len(scored)},
    }), flush=True)


if __name__ == '__main__':
    main()
