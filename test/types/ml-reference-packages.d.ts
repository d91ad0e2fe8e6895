// The reference packages the model tests compare against ship no types; only what the tests use.
declare module 'ml-cart' {
  export class DecisionTreeClassifier {
    constructor(options?: { gainFunction?: string; minNumSamples?: number; maxDepth?: number; gainThreshold?: number });
    train(x: number[][], y: number[]): void;
    predict(x: number[][]): number[];
    root: { classify(row: number[]): { to1DArray(): number[] } };
  }
}

declare module 'ml-logistic-regression' {
  import type { Matrix } from 'ml-matrix';
  export default class LogisticRegression {
    constructor(options?: { numSteps?: number; learningRate?: number });
    train(x: Matrix, y: Matrix): void;
    predict(x: Matrix): number[];
    classifiers: { testScores(x: Matrix): number[]; weights: Matrix }[];
  }
}
