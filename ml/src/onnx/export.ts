import { averagePathLength, type IsolationForest } from '../forest/isolation-forest';
import { ProtoWriter } from './protobuf';

/** Name of the model's input: float32 [N, featureCount]. */
export const INPUT_NAME = 'features';
/** Name of the model's output: float32 [N, 1] anomaly score in (0, 1). */
export const OUTPUT_NAME = 'score';

// onnx.proto field numbers of the messages written here.
const Model = {
  irVersion: 1,
  producerName: 2,
  producerVersion: 3,
  docString: 6,
  graph: 7,
  opsetImport: 8,
  metadataProps: 14,
};
const OpsetId = { domain: 1, version: 2 };
const Graph = { node: 1, name: 2, initializer: 5, input: 11, output: 12 };
const Node = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 };
const Attribute = { name: 1, f: 2, i: 3, s: 4, floats: 7, ints: 8, strings: 9, type: 20 };
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 };
const ValueInfo = { name: 1, type: 2 };
const TypeProto = { tensorType: 1 };
const TensorType = { elemType: 1, shape: 2 };
const Shape = { dim: 1 };
const Dim = { value: 1, param: 2 };
const Tensor = { dataType: 2, floatData: 4, name: 8 };
const StringEntry = { key: 1, value: 2 };
const FLOAT = 1;

/**
 * The forest as an ONNX model: an `ai.onnx.ml` TreeEnsembleRegressor whose leaves hold each tree's
 * path length (depth + c(leaf size)) averaged over the trees, then Div by c(ψ), Mul by -ln 2 and
 * Exp, which is 2^(-E[h(x)] / c(ψ)). Splits are BRANCH_LEQ, matching the trainer's x <= threshold.
 * The bytes depend only on the forest and `metadata`.
 */
export function exportForestToOnnx(
  forest: IsolationForest,
  metadata: Record<string, string> = {},
): Uint8Array {
  const ensemble = treeEnsembleNode(forest);
  const graph = new ProtoWriter()
    .message(Graph.node, ensemble)
    .message(Graph.node, arithmetic('Div', ['path_length', 'c_psi'], 'normalised_path'))
    .message(Graph.node, arithmetic('Mul', ['normalised_path', 'minus_ln2'], 'log_score'))
    .message(Graph.node, arithmetic('Exp', ['log_score'], OUTPUT_NAME))
    .string(Graph.name, 'vigil_isolation_forest')
    .message(Graph.initializer, scalar('c_psi', averagePathLength(forest.sampleSize)))
    .message(Graph.initializer, scalar('minus_ln2', -Math.LN2))
    .message(Graph.input, tensorInfo(INPUT_NAME, forest.featureCount))
    .message(Graph.output, tensorInfo(OUTPUT_NAME, 1));

  const model = new ProtoWriter()
    .uint(Model.irVersion, 8)
    .string(Model.producerName, 'vigil-ml')
    .string(Model.producerVersion, '1')
    .string(Model.docString, 'Vigil telemetry anomaly detector: Isolation Forest anomaly score')
    .message(Model.graph, graph)
    .message(
      Model.opsetImport,
      new ProtoWriter().string(OpsetId.domain, '').uint(OpsetId.version, 17),
    )
    .message(
      Model.opsetImport,
      new ProtoWriter().string(OpsetId.domain, 'ai.onnx.ml').uint(OpsetId.version, 3),
    );
  for (const key of Object.keys(metadata).sort()) {
    model.message(
      Model.metadataProps,
      new ProtoWriter()
        .string(StringEntry.key, key)
        .string(StringEntry.value, metadata[key] as string),
    );
  }
  return model.finish();
}

function treeEnsembleNode(forest: IsolationForest): ProtoWriter {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const values: number[] = [];
  const modes: string[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const targetTree: number[] = [];
  const targetNode: number[] = [];
  const targetWeight: number[] = [];
  forest.trees.forEach((tree, t) => {
    for (let n = 0; n < tree.feature.length; n++) {
      const feature = tree.feature[n] as number;
      treeIds.push(t);
      nodeIds.push(n);
      if (feature < 0) {
        featureIds.push(0);
        values.push(0);
        modes.push('LEAF');
        trueIds.push(0);
        falseIds.push(0);
        targetTree.push(t);
        targetNode.push(n);
        targetWeight.push(tree.value[n] as number);
      } else {
        featureIds.push(feature);
        values.push(tree.threshold[n] as number);
        modes.push('BRANCH_LEQ');
        trueIds.push(tree.left[n] as number);
        falseIds.push(tree.right[n] as number);
      }
    }
  });
  const node = new ProtoWriter()
    .string(Node.input, INPUT_NAME)
    .string(Node.output, 'path_length')
    .string(Node.name, 'isolation_trees')
    .string(Node.opType, 'TreeEnsembleRegressor');
  node.message(Node.attribute, stringAttr('aggregate_function', 'AVERAGE'));
  node.message(Node.attribute, intAttr('n_targets', 1));
  node.message(Node.attribute, intsAttr('nodes_falsenodeids', falseIds));
  node.message(Node.attribute, intsAttr('nodes_featureids', featureIds));
  node.message(Node.attribute, stringsAttr('nodes_modes', modes));
  node.message(Node.attribute, intsAttr('nodes_nodeids', nodeIds));
  node.message(Node.attribute, intsAttr('nodes_treeids', treeIds));
  node.message(Node.attribute, intsAttr('nodes_truenodeids', trueIds));
  node.message(Node.attribute, floatsAttr('nodes_values', values));
  node.message(Node.attribute, stringAttr('post_transform', 'NONE'));
  node.message(
    Node.attribute,
    intsAttr(
      'target_ids',
      targetTree.map(() => 0),
    ),
  );
  node.message(Node.attribute, intsAttr('target_nodeids', targetNode));
  node.message(Node.attribute, intsAttr('target_treeids', targetTree));
  node.message(Node.attribute, floatsAttr('target_weights', targetWeight));
  return node.string(Node.domain, 'ai.onnx.ml');
}

function arithmetic(opType: string, inputs: string[], output: string): ProtoWriter {
  const node = new ProtoWriter();
  for (const input of inputs) node.string(Node.input, input);
  return node.string(Node.output, output).string(Node.name, output).string(Node.opType, opType);
}

function scalar(name: string, value: number): ProtoWriter {
  return new ProtoWriter()
    .uint(Tensor.dataType, FLOAT)
    .packedFloats(Tensor.floatData, [value])
    .string(Tensor.name, name);
}

function tensorInfo(name: string, width: number): ProtoWriter {
  const shape = new ProtoWriter()
    .message(Shape.dim, new ProtoWriter().string(Dim.param, 'N'))
    .message(Shape.dim, new ProtoWriter().uint(Dim.value, width));
  const tensor = new ProtoWriter()
    .uint(TensorType.elemType, FLOAT)
    .message(TensorType.shape, shape);
  return new ProtoWriter()
    .string(ValueInfo.name, name)
    .message(ValueInfo.type, new ProtoWriter().message(TypeProto.tensorType, tensor));
}

const attr = (name: string, type: number) =>
  new ProtoWriter().string(Attribute.name, name).uint(Attribute.type, type);
const intAttr = (name: string, v: number) => attr(name, AttributeType.INT).uint(Attribute.i, v);
const stringAttr = (name: string, v: string) =>
  attr(name, AttributeType.STRING).string(Attribute.s, v);
const intsAttr = (name: string, v: number[]) =>
  attr(name, AttributeType.INTS).packedUints(Attribute.ints, v);
const floatsAttr = (name: string, v: number[]) =>
  attr(name, AttributeType.FLOATS).packedFloats(Attribute.floats, v);
function stringsAttr(name: string, values: string[]): ProtoWriter {
  const a = attr(name, AttributeType.STRINGS);
  for (const v of values) a.string(Attribute.strings, v);
  return a;
}
