import { expect } from 'chai';
import { classifyExit, ContainerExitStatus, type ExitKind } from '../../protocols/yarn/index.js';

describe('classifyExit', () => {
  // [exit status, diagnostics, kind, counts as failure, name]
  const table: [number, string | undefined, ExitKind, boolean, string | undefined][] = [
    [0, undefined, 'success', false, 'SUCCESS'],
    [-1000, undefined, 'invalid', true, 'INVALID'],
    [-100, 'Container released by application', 'aborted', false, 'ABORTED'],
    [-101, undefined, 'disk', false, 'DISKS_FAILED'],
    [-102, 'Container preempted by scheduler', 'preempted', false, 'PREEMPTED'],
    [-103, undefined, 'killed-memory', true, 'KILLED_EXCEEDED_VMEM'],
    [-104, 'is running beyond physical memory limits', 'killed-memory', true, 'KILLED_EXCEEDED_PMEM'],
    [-105, 'Container killed by the ApplicationMaster.', 'killed', false, 'KILLED_BY_APPMASTER'],
    [-106, undefined, 'killed', false, 'KILLED_BY_RESOURCEMANAGER'],
    [-107, undefined, 'killed', false, 'KILLED_AFTER_APP_COMPLETION'],
    [-108, undefined, 'preempted', false, 'KILLED_BY_CONTAINER_SCHEDULER'],
    [-109, undefined, 'killed', true, 'KILLED_FOR_EXCESS_LOGS'],
    [1, 'Exception from container-launch', 'failed', true, undefined],
    [137, 'Container killed on request. Exit code is 137', 'killed', true, undefined],
    [143, 'Container killed on request. Exit code is 143', 'killed', true, undefined],
    [143, 'Container killed by the ApplicationMaster.\nContainer killed on request. Exit code is 143', 'killed', false, undefined],
    [143, 'Container [pid=1] is running beyond physical memory limits. Killing container.', 'killed-memory', true, undefined],
    [139, undefined, 'failed', true, undefined],
    [-42, undefined, 'failed', true, undefined],
  ];

  for (const [status, diagnostics, kind, countsAsFailure, name] of table) {
    it(`${status} ${diagnostics ? `"${diagnostics.slice(0, 40)}"` : ''} -> ${kind}${countsAsFailure ? ' (failure)' : ''}`, () => {
      const c = classifyExit(status, diagnostics);
      expect(c.kind).to.equal(kind);
      expect(c.countsAsFailure).to.equal(countsAsFailure);
      expect(c.name).to.equal(name);
      expect(c.exitStatus).to.equal(status);
      expect(c.description).to.match(/^container /);
    });
  }

  it('covers every ContainerExitStatus constant', () => {
    for (const [name, code] of Object.entries(ContainerExitStatus)) {
      expect(classifyExit(code).name, name).to.equal(name);
    }
  });

  it('describes in plain words and appends useful diagnostics', () => {
    expect(classifyExit(0, 'N/A').description).to.equal('container exited normally');
    expect(classifyExit(-102, 'N/A').description).to.equal('container was preempted by the scheduler');
    expect(classifyExit(3, 'boom').description).to.equal('container exited with code 3: boom');
    expect(classifyExit(139).description).to.equal('container died from SIGSEGV (exit 139)');
    expect(classifyExit(137).description).to.equal('container was killed by SIGKILL (exit 137)');
    expect(classifyExit(-42).description).to.equal('container ended with unknown YARN status -42');
  });

  it('describes a container the NodeManager refused to start as a failure, whatever the status', () => {
    const c = classifyExit(ContainerExitStatus.INVALID, 'NodeManager refused', { neverStarted: true });
    expect(c).to.deep.equal({
      kind: 'failed',
      exitStatus: -1000,
      description: 'could not be launched: NodeManager refused',
      countsAsFailure: true,
    });
  });
});
