/**
 * Atomistic structure analysis of simulated glasses (SPEC §13): readers for extended XYZ and LAMMPS
 * dump/data files, periodic cell-list neighbours, g(r) with peak descriptors, coordination, bond
 * lengths and angles, periodic Voronoi indices, and the LAMMPS melt-quench input and driver.
 */
export {
  type AnalyzeOptions,
  analyzeStructure,
  type Descriptors,
  descriptorsOf,
  massDensity,
  type StructureReport,
} from './analyze.ts';
export { type AngleStats, type Angles, bondAngles } from './angles.ts';
export { type BondStats, type Bonds, bondStats } from './bonds.ts';
export { type Coordination, type CoordinationStats, coordination } from './coordination.ts';
export {
  type BondLengthHistograms,
  bondLengthHistograms,
  type ClusterStats,
  clusterStats,
  icosahedralPeakIndex,
  type Packing,
  packing,
} from './descriptors.ts';
export { ATOMIC_MASS, atomicMass, METALLIC_RADIUS } from './elements.ts';
export {
  type Curve,
  compareCurves,
  type ExperimentComparison,
  type ExperimentKind,
  interpolate,
  parseCurve,
  readCurve,
} from './experiment.ts';
export {
  type Cell,
  cellVolume,
  type Frame,
  labelsOf,
  makeFrame,
  replicate,
  speciesCounts,
  type Vec3,
} from './frame.ts';
export {
  FINAL_DATA,
  FINAL_DUMP,
  INPUT_SCRIPT,
  inferPairStyle,
  inputManifest,
  type LammpsInput,
  type LammpsInputOptions,
  lammpsInput,
  MANIFEST,
  type MeltQuenchProtocol,
  PAPER_PROTOCOL,
  resolvePotential,
  START_DATA,
  writeLammpsInput,
} from './lammpsInput.ts';
export {
  findLmp,
  type LammpsVoronoiCheck,
  LMP_MISSING,
  type LmpRunOptions,
  lammpsVoronoiCheck,
  lmpCommand,
  type RunOptions,
  type RunResult,
  runLammps,
  runLmp,
  SLURM_SCRIPT,
  type SlurmOptions,
  slurmScript,
  thermoStep,
} from './lammpsRun.ts';
export { buildGrid, forEachPair, type NeighbourList, neighbourList } from './neighbours.ts';
export { type PeakDescriptors, peakDescriptors } from './peaks.ts';
export { computeRdf, pairKey, type Rdf, type RdfOptions } from './rdf.ts';
export { parseExtxyz, readExtxyz } from './readers/extxyz.ts';
export {
  detectFormat,
  type ReadOptions,
  readAllFrames,
  readStructure,
  STRUCTURE_FORMATS,
  type StructureFormat,
} from './readers/index.ts';
export { parseLammpsData, readLammpsData } from './readers/lammpsData.ts';
export { parseLammpsDump, readLammpsDump } from './readers/lammpsDump.ts';
export { parseTypeMap, type TypeMap } from './readers/text.ts';
export {
  CROMER_MANN,
  hasScatteringData,
  NEUTRON_B,
  neutronLength,
  xrayFormFactor,
} from './scattering.ts';
export {
  directSq,
  ftPartials,
  type SqOptions,
  type SqPeak,
  type SqReport,
  structureFactor,
} from './sq.ts';
export { averageCurves, averageDescriptors, type DescriptorStat } from './trajectory.ts';
export {
  type VoronoiCells,
  type VoronoiFace,
  type VoronoiOptions,
  voronoiTessellation,
} from './voronoi.ts';
export {
  DEFAULT_CRYSTAL_LIKE,
  formatIndex,
  parseIndex,
  type TopIndex,
  type VoronoiSummary,
  voronoiSummary,
} from './voronoiStats.ts';
