import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { MLFLOW_MODEL_REQUIREMENTS, MLFLOW_OUTPUT_COLUMN, mlflowModelFiles } from '../../../src/domain/artifact/mlflow-model.js';
import { FEATURE_CATALOGUE } from '../../../src/domain/features/catalogue.js';
import { repoRoot } from '../../harness/spawn.js';

const artifact = {
  features: FEATURE_CATALOGUE.map((f) => ({ name: f.name, kind: f.kind, meaning: f.meaning, encoding: 'x' })),
  created_at: '2019-04-01T00:00:00.000Z',
  as_of: '2019-04-01',
  code_version: "it's 1.0",
};

describe('the MLflow Model files', () => {
  const files = new Map(mlflowModelFiles(artifact).map((f) => [f.path, f.body]));

  it('has an MLmodel with a python_function flavour whose loader and data are among the files or model.sql', () => {
    const mlmodel = parse(files.get('MLmodel')!) as { flavors: { python_function: Record<string, unknown> } };
    const flavour = mlmodel.flavors.python_function;
    expect(flavour).toMatchObject({ code: 'code', data: 'model.sql', env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' } });
    expect(files.has(`code/${String(flavour.loader_module)}.py`)).toBe(true);
    for (const env of ['conda.yaml', 'python_env.yaml', 'requirements.txt']) expect(files.has(env)).toBe(true);
    expect(files.get('code/returns_pyfunc.py')).toMatch(/^def _load_pyfunc\(data_path\):$/m);
  });

  it('signs every feature of the artifact with its type in features.parquet, and one probability out', () => {
    const mlmodel = parse(files.get('MLmodel')!) as { signature: { inputs: string; outputs: string }; metadata: Record<string, string> };
    const inputs = JSON.parse(mlmodel.signature.inputs) as { name: string; type: string }[];
    expect(inputs.map((c) => [c.name, c.type])).toEqual(FEATURE_CATALOGUE.map((f) => [f.name, f.kind === 'numeric' ? 'double' : 'string']));
    expect(JSON.parse(mlmodel.signature.outputs)).toEqual([{ type: 'double', name: MLFLOW_OUTPUT_COLUMN, required: true }]);
    // A quote in a value survives the YAML quoting.
    expect(mlmodel.metadata.returns_code_version).toBe("it's 1.0");
  });

  it("pins the model's environment to the versions of requirements.txt", () => {
    const pinned = new Map(
      readFileSync(path.join(repoRoot, 'requirements.txt'), 'utf8')
        .split('\n')
        .map((l) => /^([a-z0-9_-]+)(?:\[[^\]]*\])?==(\S+)$/.exec(l.trim()))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1]!, m[2]!]),
    );
    for (const [name, version] of Object.entries(MLFLOW_MODEL_REQUIREMENTS)) expect({ name, version: pinned.get(name) }).toEqual({ name, version });
    expect(files.get('requirements.txt')).toBe(Object.entries(MLFLOW_MODEL_REQUIREMENTS).map(([n, v]) => `${n}==${v}\n`).join(''));
  });
});
