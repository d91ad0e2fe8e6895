"""The bench anchors for bench/model-fit.ts: scikit-learn's HistGradientBoostingClassifier and
LightGBM fitted on the very same generated rows (exported with `npx tsx bench/model-fit.ts
--export=DIR`), figures written to bench/results/model-fit-reference.json.

scikit-learn and lightgbm are not in requirements.txt (the pipeline does not need them): run this
from a separate virtualenv, e.g. `python3 -m venv /tmp/ref && /tmp/ref/bin/pip install scikit-learn
lightgbm && /tmp/ref/bin/python bench/model-fit-reference.py DIR`.

scikit-learn accepts at most 255 categories per feature: higher codes are folded into code 254.
"""
import json
import os
import platform
import sys
import time

import lightgbm as lgb
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import log_loss, roc_auc_score

folder = sys.argv[1]
meta = json.load(open(os.path.join(folder, 'meta.json')))
n, rows = meta['n'], meta['rows']
x = np.fromfile(os.path.join(folder, 'x.f64')).reshape(len(meta['cols']), n).T.copy()
y = np.fromfile(os.path.join(folder, 'y.u8'), dtype=np.uint8)
categorical = [kind == 'categorical' for kind in meta['cols']]
for j, is_cat in enumerate(categorical):
    if is_cat:
        x[:, j] = np.where(np.isnan(x[:, j]), np.nan, np.minimum(x[:, j], 254))
xt, yt, xv, yv = x[:rows], y[:rows], x[rows:], y[rows:]

results = {}
for name, options in [('sklearn_hgb_100_iterations', dict(max_iter=100, early_stopping=False)), ('sklearn_hgb_defaults', dict())]:
    model = HistGradientBoostingClassifier(categorical_features=categorical, random_state=0, **options)
    start = time.perf_counter()
    model.fit(xt, yt)
    seconds = time.perf_counter() - start
    p = model.predict_proba(xv)[:, 1]
    results[name] = dict(fit_seconds=round(seconds, 2), iterations=int(model.n_iter_), validation_auc=round(roc_auc_score(yv, p), 4), validation_log_loss=round(log_loss(yv, p), 4))
    print(name, results[name], flush=True)
for threads in (1, os.cpu_count() or 1):
    train = lgb.Dataset(xt, yt, categorical_feature=[j for j, c in enumerate(categorical) if c], free_raw_data=False)
    valid = lgb.Dataset(xv, yv, reference=train)
    params = dict(objective='binary', learning_rate=0.1, num_leaves=31, num_threads=threads, verbose=-1, seed=0)
    start = time.perf_counter()
    booster = lgb.train(params, train, num_boost_round=300, valid_sets=[valid], callbacks=[lgb.early_stopping(20, verbose=False)])
    seconds = time.perf_counter() - start
    p = booster.predict(xv, num_iteration=booster.best_iteration)
    name = f'lightgbm_{threads}_threads'
    results[name] = dict(fit_seconds=round(seconds, 2), best_iteration=int(booster.best_iteration), validation_auc=round(roc_auc_score(yv, p), 4), validation_log_loss=round(log_loss(yv, p), 4))
    print(name, results[name], flush=True)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results', 'model-fit-reference.json')
with open(out, 'w') as f:
    json.dump(dict(name='model-fit-reference', measured_at=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), machine=dict(cpus=os.cpu_count(), python=platform.python_version()), train_rows=rows, results=results), f, indent=2)
    f.write('\n')
print('figures written to', out)
