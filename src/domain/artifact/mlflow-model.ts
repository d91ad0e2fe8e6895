/**
 * The MLflow Model logged beside model.json and model.sql in every training's run, so that
 * `mlflow.pyfunc.load_model("models:/product-returns@champion")` and `mlflow models serve` work on
 * a registered version: an `MLmodel` file with a `python_function` flavour whose loader (shipped
 * under `code/`) evaluates model.sql with DuckDB over the input DataFrame. model.sql is the very
 * expression PredictBatch runs and matches the TypeScript model within 1e-9, so Python scores are
 * the pipeline's scores; no second implementation of any model family exists in Python.
 *
 * The files sit at the root of the run's artifacts, because a registered version's source is that
 * root (RegisterModel registers the run's artifact URI).
 */
import type { ModelArtifact } from './model-artifact.js';

/** The Python the loader is written for: the project's venv (Makefile, docker/Dockerfile). */
export const MLFLOW_MODEL_PYTHON = '3.11';

/**
 * What the loader imports, pinned to the versions of requirements.txt (a unit test keeps them
 * equal), so a served model runs the versions the tests ran.
 */
export const MLFLOW_MODEL_REQUIREMENTS: Readonly<Record<string, string>> = { mlflow: '3.17.2', duckdb: '1.5.6', pandas: '3.1.1' };

/** The loader's module name, `code/<name>.py`. */
const LOADER_MODULE = 'returns_pyfunc';

/** The output column of predict. */
export const MLFLOW_OUTPUT_COLUMN = 'return_probability';

/** Written as a file of its own so a data scientist can read it; mlflow puts `code/` on sys.path. */
const LOADER_SOURCE = `"""MLflow pyfunc loader of a returns model (written by returns' src/domain/artifact/mlflow-model.ts).

model.sql is one SQL expression over the feature columns that gives the calibrated return
probability: the expression the pipeline itself scores with, on DuckDB and Spark. DuckDB
evaluates it here over the input DataFrame, so these probabilities are the pipeline's.
"""
import duckdb
import pandas as pd

# Rows come back in input order only when asked for: a SELECT without ORDER BY promises none.
_ROW = "__returns_row"


class ReturnsModel:
    def __init__(self, expression):
        self._expression = expression

    def predict(self, model_input, params=None):
        frame = pd.DataFrame(model_input).reset_index(drop=True)
        frame = frame.assign(**{_ROW: range(len(frame))})
        with duckdb.connect() as con:
            con.register("features", frame)
            query = f"SELECT CAST({self._expression} AS DOUBLE) AS ${MLFLOW_OUTPUT_COLUMN} FROM features ORDER BY {_ROW}"
            return con.execute(query).df()


def _load_pyfunc(data_path):
    with open(data_path, encoding="utf-8") as f:
        return ReturnsModel(f.read().strip())
`;

export interface MlflowModelFile {
  readonly path: string;
  readonly body: string;
}

/** A YAML single-quoted scalar: the only escape is a doubled quote. */
function quoted(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const pins = (): string[] => Object.entries(MLFLOW_MODEL_REQUIREMENTS).map(([name, version]) => `${name}==${version}`);

/**
 * The files of the MLflow Model of an artifact whose model.sql is logged at the same root. The
 * signature lists every feature with its type in features.parquet (numeric DOUBLE, categorical
 * STRING), so MLflow checks a DataFrame's columns before the SQL sees them.
 */
export function mlflowModelFiles(artifact: Pick<ModelArtifact, 'features' | 'created_at' | 'as_of' | 'code_version'>): MlflowModelFile[] {
  const inputs = artifact.features.map((f) => ({ type: f.kind === 'numeric' ? 'double' : 'string', name: f.name, required: true }));
  const outputs = [{ type: 'double', name: MLFLOW_OUTPUT_COLUMN, required: true }];
  const mlmodel = [
    'flavors:',
    '  python_function:',
    `    loader_module: ${LOADER_MODULE}`,
    '    code: code',
    '    data: model.sql',
    '    env:',
    '      conda: conda.yaml',
    '      virtualenv: python_env.yaml',
    `    python_version: ${quoted(MLFLOW_MODEL_PYTHON)}`,
    `mlflow_version: ${MLFLOW_MODEL_REQUIREMENTS.mlflow}`,
    // The artifact's logical creation time, so retraining on the same data gives the same bytes.
    `utc_time_created: ${quoted(artifact.created_at)}`,
    'metadata:',
    `  returns_as_of: ${quoted(artifact.as_of)}`,
    `  returns_code_version: ${quoted(artifact.code_version)}`,
    'signature:',
    `  inputs: ${quoted(JSON.stringify(inputs))}`,
    `  outputs: ${quoted(JSON.stringify(outputs))}`,
    '  params: null',
  ];
  const conda = ['channels:', '- conda-forge', 'dependencies:', `- python=${MLFLOW_MODEL_PYTHON}`, '- pip', '- pip:', ...pins().map((p) => `  - ${p}`), 'name: mlflow-env'];
  const pythonEnv = [`python: ${quoted(MLFLOW_MODEL_PYTHON)}`, 'build_dependencies:', '- pip', 'dependencies:', '- -r requirements.txt'];
  const lines = (rows: readonly string[]): string => `${rows.join('\n')}\n`;
  return [
    { path: 'MLmodel', body: lines(mlmodel) },
    { path: `code/${LOADER_MODULE}.py`, body: LOADER_SOURCE },
    { path: 'conda.yaml', body: lines(conda) },
    { path: 'python_env.yaml', body: lines(pythonEnv) },
    { path: 'requirements.txt', body: lines(pins()) },
  ];
}
