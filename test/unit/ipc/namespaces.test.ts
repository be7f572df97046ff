import * as assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ContainerRef,
  containerLabel,
  containerName,
  IpcNamespace,
  listIpcNamespaces,
  MAX_NAMED_PROCESSES,
  namespaceLabel,
  parseContainer,
} from '../../../src/ipc/namespaces';
import { fixture } from '../fixtures';

const cgroupOf = (name: string): string => fs.readFileSync(fixture('namespaces', name), 'utf8');

const ref = (engine: ContainerRef['engine'], id: string, extra: Partial<ContainerRef> = {}): ContainerRef => ({
  engine,
  id,
  shortId: id.slice(0, 12),
  ...extra,
});

/** A fresh temporary directory, removed by the returned function. */
function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describe('IPC namespaces', function () {
  describe('the container of a process, from its cgroup', function () {
    const cases: Array<[file: string, expected: ContainerRef]> = [
      ['docker-systemd.cgroup', ref('docker', '6de102c1cecc011032305908295668eedad74d736c6d216e4c42f416ae84988f')],
      ['docker-cgroupfs-v1.cgroup', ref('docker', 'fb081ee28007cf7662db5e3558f574e6698bfcc3250c545dac4ac4700025ddf4')],
      ['docker-hybrid.cgroup', ref('docker', 'a476ae8a18bda8dfcba2261f10d7dd04cbd45c7b6147572bf14a37104e5fe0c4')],
      ['podman-rootful.cgroup', ref('podman', '4675a9ec2d20c5f97577a55c245da887778bcdf5e64fdb01cfa074c86f6754a5')],
      ['podman-rootless.cgroup', ref('podman', '56dfa3bc944415a972b0fe05883435f6f061150cc65600d923a24fd565932362')],
      ['podman-cgroupfs-v1.cgroup', ref('podman', '53524afa757bb9c4b03c7d93dbb7028703f61cb1c5085dd3028933f3525f1358')],
      ['containerd.cgroup', ref('containerd', '2397d068a8d1552a4c3f9147ba9c94e086bfd66fb2acb5bbaf47197105127d5f')],
      [
        'kube-burstable-containerd.cgroup',
        ref('containerd', '055e69054fcd0849d67478103f3d2ad91493b991f7a26ea4be2b979f53f295ff', { pod: '8f3c2a1e-4b5d-4c6e-9f70-1a2b3c4d5e6f' }),
      ],
      [
        'kube-guaranteed-containerd.cgroup',
        ref('containerd', 'cf7f98e6fda1355feed8f0995272bb4110cdd14512bcea2efe777532a04650c6', { pod: '0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a' }),
      ],
      [
        'kube-besteffort-crio.cgroup',
        ref('cri-o', '479cda7774ce9733ddb69e051af788215d789186cbc6b5707b210ee447a8906c', { pod: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d' }),
      ],
      [
        'kube-cgroupfs-v1.cgroup',
        ref('kubernetes', 'af2800a3611b6b11bcf86c918756de0596bb5c0d60da7ae5c24ccbfc714da9fd', { pod: '2c4e6a8b-1d3f-4a5b-9c7d-0e2f4a6b8c0d' }),
      ],
      [
        'kube-docker-systemd-v1.cgroup',
        ref('docker', 'acc0800cc5ddf4239e4627e7e98aa5e3ff855d591484d6ed802ee75fee61cc0d', { pod: '7e1d2c3b-4a59-4687-b8c9-d0e1f2a3b4c5' }),
      ],
      ['lxc-payload.cgroup', ref('lxc', 'build-box', { name: 'build-box' })],
      ['lxc-v1.cgroup', ref('lxc', 'legacy-web', { name: 'legacy-web' })],
    ];
    for (const [file, expected] of cases) {
      it(`recognises ${expected.engine}${expected.pod ? ' in a pod' : ''} in ${file}`, function () {
        assert.deepEqual(parseContainer(cgroupOf(file)), expected);
      });
    }

    it("finds no container for a login session, init, Podman's conmon monitor or nothing at all", function () {
      assert.equal(parseContainer(cgroupOf('host-session.cgroup')), undefined);
      assert.equal(parseContainer(cgroupOf('host-init.cgroup')), undefined);
      // conmon watches the container from the host side: it is not in the container.
      assert.equal(parseContainer(cgroupOf('podman-conmon.cgroup')), undefined);
      assert.equal(parseContainer('0::/lxc.monitor.build-box\n'), undefined);
      assert.equal(parseContainer('0::/\n'), undefined);
      assert.equal(parseContainer(''), undefined);
      assert.equal(parseContainer('not a cgroup file'), undefined);
    });

    it('wants a whole 64-digit id: a short or upper-case one is not a container', function () {
      assert.equal(parseContainer('0::/system.slice/docker-3f2a1b4c5d6e.scope\n'), undefined);
      assert.equal(parseContainer(`0::/system.slice/docker-${'A'.repeat(64)}.scope\n`), undefined);
      assert.equal(parseContainer(`0::/system.slice/docker.service/${'a'.repeat(64)}\n`), undefined, 'a bare id only under /docker or a pod');
    });

    it('prefers the cgroup v2 line over the v1 lines, whichever comes first in the file', function () {
      const docker = 'a'.repeat(64);
      const podman = 'b'.repeat(64);
      const text = `1:name=systemd:/docker/${docker}\n0::/machine.slice/libpod-${podman}.scope\n`;
      assert.deepEqual(parseContainer(text), ref('podman', podman));
    });

    it('takes the first v1 line that names a container', function () {
      const id = 'c'.repeat(64);
      const text = `3:cpuset:/\n2:memory:/process_api/be30184e1d000189ec5bec53fe3ee3b8\n1:pids:/docker/${id}\n0::/\n`;
      assert.deepEqual(parseContainer(text), ref('docker', id));
    });

    it('names the innermost container: Docker inside an LXC container is Docker', function () {
      const id = 'd'.repeat(64);
      assert.deepEqual(parseContainer(`0::/lxc.payload.build-box/system.slice/docker-${id}.scope\n`), ref('docker', id));
    });
  });

  describe('the name of a container', function () {
    const dockerId = 'e'.repeat(64);
    const podmanId = 'f'.repeat(64);
    let docker: ReturnType<typeof tempDir>;
    let podman: ReturnType<typeof tempDir>;

    before(function () {
      docker = tempDir('ipc-docker-');
      podman = tempDir('ipc-podman-');
      fs.mkdirSync(path.join(docker.dir, 'containers', dockerId), { recursive: true });
      fs.writeFileSync(
        path.join(docker.dir, 'containers', dockerId, 'config.v2.json'),
        JSON.stringify({ ID: dockerId, Name: '/web-1', State: { Running: true } }),
      );
      fs.mkdirSync(path.join(podman.dir, 'overlay-containers'), { recursive: true });
      fs.writeFileSync(
        path.join(podman.dir, 'overlay-containers', 'containers.json'),
        JSON.stringify([
          { id: '1'.repeat(64), names: ['other'] },
          { id: podmanId, names: ['db'], image: 'postgres' },
        ]),
      );
    });

    after(function () {
      docker.remove();
      podman.remove();
    });

    it("reads Docker's name without its leading slash", function () {
      assert.equal(containerName(ref('docker', dockerId), { dockerRoot: docker.dir }), 'web-1');
    });

    it("reads Podman's name from its containers.json", function () {
      assert.equal(containerName(ref('podman', podmanId), { podmanRoot: podman.dir }), 'db');
      assert.equal(containerName(ref('podman', '2'.repeat(64)), { podmanRoot: podman.dir }), undefined, 'not in the file');
    });

    it('says nothing, and never throws, when the state is missing, unreadable or malformed', function () {
      assert.equal(containerName(ref('docker', '3'.repeat(64)), { dockerRoot: docker.dir }), undefined, 'no such container');
      assert.equal(containerName(ref('podman', podmanId), { podmanRoot: path.join(podman.dir, 'nowhere') }), undefined);
      const broken = tempDir('ipc-broken-');
      try {
        const config = path.join(broken.dir, 'containers', dockerId, 'config.v2.json');
        fs.mkdirSync(path.dirname(config), { recursive: true });
        fs.writeFileSync(config, '{"Name": "/web-1"'); // cut short while Docker was writing
        assert.equal(containerName(ref('docker', dockerId), { dockerRoot: broken.dir }), undefined);
        fs.writeFileSync(config, '{"Name": 42}');
        assert.equal(containerName(ref('docker', dockerId), { dockerRoot: broken.dir }), undefined);
        fs.writeFileSync(config, '{"Name": "/"}');
        assert.equal(containerName(ref('docker', dockerId), { dockerRoot: broken.dir }), undefined);
        const list = path.join(broken.dir, 'overlay-containers', 'containers.json');
        fs.mkdirSync(path.dirname(list), { recursive: true });
        for (const text of ['{"id": "x"}', '[null, 7, {"id": "' + podmanId + '", "names": []}]', 'garbage']) {
          fs.writeFileSync(list, text);
          assert.equal(containerName(ref('podman', podmanId), { podmanRoot: broken.dir }), undefined, text);
        }
        // A directory where the file should be: EISDIR, not an exception.
        fs.rmSync(config);
        fs.mkdirSync(config);
        assert.equal(containerName(ref('docker', dockerId), { dockerRoot: broken.dir }), undefined);
      } finally {
        broken.remove();
      }
    });

    it('never turns a made-up id into a path outside the state directory', function () {
      assert.equal(containerName(ref('docker', `../../${dockerId}`), { dockerRoot: path.join(docker.dir, 'containers', dockerId) }), undefined);
    });

    it("knows an LXC container's name from its cgroup and no name for the others", function () {
      assert.equal(containerName(ref('lxc', 'build-box', { name: 'build-box' })), 'build-box');
      assert.equal(containerName(ref('containerd', dockerId), { dockerRoot: docker.dir }), undefined);
      assert.equal(containerName(ref('kubernetes', dockerId), { dockerRoot: docker.dir }), undefined);
    });
  });

  describe('listing the namespaces of a /proc', function () {
    const HOST = 'ipc:[4026531839]';
    const WEB = 'ipc:[4026532201]';
    const UNSHARED = 'ipc:[4026532300]';
    const DB = 'ipc:[4026532400]';
    const webId = '3f2a1b4c5d6e'.padEnd(64, '7');
    const hostIpcId = '9'.repeat(64);
    const dbId = '4b'.repeat(32);

    interface FakeProcess {
      /** The ns/ipc link's text; 'file' puts a plain file there (readlink fails: EINVAL); 'none' leaves ns/ out (exited). */
      ns: string;
      cmdline?: string;
      comm?: string;
      cgroup?: string;
    }

    // Built here, not checked in: git does not reliably keep symlinks whose target does not exist.
    const processes: Record<number, FakeProcess> = {
      1: { ns: HOST, cmdline: '/sbin/init\0splash\0', comm: 'systemd', cgroup: '0::/init.scope\n' },
      2: { ns: HOST, cmdline: '', comm: 'kthreadd', cgroup: '0::/\n' },
      50: { ns: HOST, cmdline: '/usr/bin/dockerd\0-H\0fd://\0', comm: 'dockerd', cgroup: '0::/system.slice/docker.service\n' },
      // docker run --ipc=host: in Docker's cgroup, yet in the host's namespace, which it does not own.
      60: { ns: HOST, cmdline: 'htop\0', comm: 'htop', cgroup: `0::/system.slice/docker-${hostIpcId}.scope\n` },
      61: { ns: HOST, cmdline: 'bash\0', comm: 'bash', cgroup: '0::/user.slice/user-1000.slice/session-2.scope\n' },
      62: { ns: HOST, cmdline: 'code\0--type=utility\0', comm: 'code', cgroup: '0::/user.slice/user-1000.slice/session-2.scope\n' },
      305: { ns: WEB, cmdline: 'nginx: worker process\0\0\0\0', comm: 'nginx', cgroup: `0::/system.slice/docker-${webId}.scope\n` },
      300: { ns: WEB, cmdline: 'nginx: master process nginx -g daemon off;\0', comm: 'nginx', cgroup: `0::/system.slice/docker-${webId}.scope\n` },
      301: { ns: WEB, cmdline: 'nginx: worker process\0\0\0\0', comm: 'nginx', cgroup: `0::/system.slice/docker-${webId}.scope\n` },
      400: { ns: UNSHARED, cmdline: 'unshare\0--ipc\0--fork\0sleep\x0030\0', comm: 'unshare', cgroup: '0::/user.slice/user-1000.slice/session-2.scope\n' },
      401: { ns: UNSHARED, cmdline: 'sleep\x0030\0', comm: 'sleep', cgroup: '0::/user.slice/user-1000.slice/session-2.scope\n' },
      // The first process of the namespace has no cgroup file left: the next one's tells.
      800: { ns: DB, cmdline: 'postgres\0', comm: 'postgres' },
      801: { ns: DB, cmdline: 'postgres: checkpointer\0', comm: 'postgres', cgroup: `0::/machine.slice/libpod-${dbId}.scope/container\n` },
      // Root may readlink anything, so permission bits cannot make an unreadable link here: a
      // plain file (EINVAL) and a text that is no namespace stand in for EACCES.
      900: { ns: 'file', cmdline: 'secret\0' },
      901: { ns: 'mnt:[4026531841]', cmdline: 'odd\0' },
      // Exited between the readdir and the readlink: not counted as unreadable.
      902: { ns: 'none' },
    };

    let proc: ReturnType<typeof tempDir>;
    let state: ReturnType<typeof tempDir>;
    let roots: { dockerRoot: string; podmanRoot: string };

    before(function () {
      proc = tempDir('ipc-proc-');
      for (const [pid, fake] of Object.entries(processes)) {
        const dir = path.join(proc.dir, pid);
        fs.mkdirSync(dir);
        if (fake.cmdline !== undefined) fs.writeFileSync(path.join(dir, 'cmdline'), fake.cmdline);
        if (fake.comm !== undefined) fs.writeFileSync(path.join(dir, 'comm'), `${fake.comm}\n`);
        if (fake.cgroup !== undefined) fs.writeFileSync(path.join(dir, 'cgroup'), fake.cgroup);
        if (fake.ns === 'none') continue;
        fs.mkdirSync(path.join(dir, 'ns'));
        if (fake.ns === 'file') fs.writeFileSync(path.join(dir, 'ns', 'ipc'), HOST);
        else fs.symlinkSync(fake.ns, path.join(dir, 'ns', 'ipc'));
      }
      fs.symlinkSync('300', path.join(proc.dir, 'self'));
      fs.mkdirSync(path.join(proc.dir, 'sys'));
      fs.writeFileSync(path.join(proc.dir, 'stat'), 'btime 1795437037\n');

      state = tempDir('ipc-state-');
      roots = { dockerRoot: path.join(state.dir, 'docker'), podmanRoot: path.join(state.dir, 'podman') };
      fs.mkdirSync(path.join(roots.dockerRoot, 'containers', webId), { recursive: true });
      fs.writeFileSync(path.join(roots.dockerRoot, 'containers', webId, 'config.v2.json'), JSON.stringify({ Name: '/web-1' }));
      fs.mkdirSync(path.join(roots.podmanRoot, 'overlay-containers'), { recursive: true });
      fs.writeFileSync(path.join(roots.podmanRoot, 'overlay-containers', 'containers.json'), JSON.stringify([{ id: dbId, names: ['db'] }]));
    });

    after(function () {
      proc.remove();
      state.remove();
    });

    it('groups processes by namespace, own first, then by lowest pid, and counts the unreadable ones', function () {
      const listing = listIpcNamespaces({ procRoot: proc.dir, ...roots });
      assert.deepEqual(
        listing.namespaces.map((ns) => [ns.id, ns.pids, ns.isOwn, ns.entryPid]),
        [
          ['4026532201', [300, 301, 305], true, 300], // self -> 300
          ['4026531839', [1, 2, 50, 60, 61, 62], false, 1],
          ['4026532300', [400, 401], false, 400],
          ['4026532400', [800, 801], false, 800],
        ],
      );
      assert.equal(listing.namespaces[0].inode, 4026532201);
      assert.equal(listing.unreadable, 2, 'pids 900 and 901; 902 exited and is not counted');
    });

    it('puts the namespace of a given pid first instead', function () {
      const listing = listIpcNamespaces({ procRoot: proc.dir, self: 1, ...roots });
      assert.deepEqual(
        listing.namespaces.map((ns) => [ns.id, ns.isOwn]),
        [
          ['4026531839', true],
          ['4026532201', false],
          ['4026532300', false],
          ['4026532400', false],
        ],
      );
    });

    it('names a few processes of each, kernel threads by [comm]', function () {
      const [web, host, unshared] = listIpcNamespaces({ procRoot: proc.dir, ...roots }).namespaces;
      assert.deepEqual(web.processes, [
        { pid: 300, command: 'nginx: master process nginx -g daemon off;' },
        { pid: 301, command: 'nginx: worker process' },
        { pid: 305, command: 'nginx: worker process' },
      ]);
      assert.equal(host.processes.length, MAX_NAMED_PROCESSES);
      assert.deepEqual(host.processes.slice(0, 2), [
        { pid: 1, command: '/sbin/init splash' },
        { pid: 2, command: '[kthreadd]' },
      ]);
      assert.deepEqual(
        unshared.processes.map((p) => p.command),
        ['unshare --ipc --fork sleep 30', 'sleep 30'],
      );
    });

    it("tells the container of each namespace and its name, not the host's for a container sharing it", function () {
      const [web, host, unshared, db] = listIpcNamespaces({ procRoot: proc.dir, ...roots }).namespaces;
      assert.deepEqual(web.container, ref('docker', webId));
      assert.equal(web.containerName, 'web-1');
      // pid 60 runs in Docker's cgroup with --ipc=host: the namespace is still the host's.
      assert.equal(host.container, undefined);
      assert.equal(unshared.container, undefined);
      assert.equal(unshared.containerName, undefined);
      assert.deepEqual(db.container, ref('podman', dbId));
      assert.equal(db.containerName, 'db');
    });

    it('gives an empty listing for a /proc that is not there', function () {
      assert.deepEqual(listIpcNamespaces({ procRoot: path.join(proc.dir, 'nowhere') }), { namespaces: [], unreadable: 0 });
    });

    it('says in one line which namespace it is, for a pick list', function () {
      const [host, web, unshared] = listIpcNamespaces({ procRoot: proc.dir, self: 1, ...roots }).namespaces;
      assert.equal(namespaceLabel(host), "this window's namespace (ipc:[4026531839]) · 6 processes");
      assert.equal(namespaceLabel(web), 'ipc:[4026532201] · docker web-1 (3f2a1b4c5d6e) · 3 processes: nginx: master process nginx -g daemon o…');
      assert.equal(namespaceLabel(unshared), 'ipc:[4026532300] · 2 processes: unshare --ipc --fork sleep 30');
    });

    it("labels a pod's container with its pod, an LXC container by name, and a lone process in the singular", function () {
      const pod = ref('containerd', '055e69054fcd0849d67478103f3d2ad91493b991f7a26ea4be2b979f53f295ff', { pod: '8f3c2a1e-4b5d-4c6e-9f70-1a2b3c4d5e6f' });
      assert.equal(containerLabel(pod), 'containerd 055e69054fcd in pod 8f3c2a1e-4b5d-4c6e-9f70-1a2b3c4d5e6f');
      const lxc: IpcNamespace = {
        id: '4026532500',
        inode: 4026532500,
        pids: [700],
        processes: [{ pid: 700, command: '/sbin/init' }],
        container: ref('lxc', 'build-box', { name: 'build-box' }),
        containerName: 'build-box',
        isOwn: false,
        entryPid: 700,
      };
      assert.equal(namespaceLabel(lxc), 'ipc:[4026532500] · lxc build-box · 1 process: /sbin/init');
    });
  });

  describe('the real kernel', function () {
    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

    /** The children of every thread of a process (the kernel lists them per thread). */
    function childrenOf(pid: number): number[] {
      try {
        const tasks = fs.readdirSync(`/proc/${pid}/task`);
        return tasks.flatMap((task) =>
          fs
            .readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
            .split(' ')
            .filter((s) => s !== '')
            .map(Number),
        );
      } catch {
        return [];
      }
    }

    function kill(pid: number, signal: NodeJS.Signals): void {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }

    /** Stops unshare first, so that it cannot fork a child after its children were killed. */
    async function killTree(child: ChildProcess): Promise<void> {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      kill(child.pid, 'SIGSTOP');
      for (const grandchild of childrenOf(child.pid)) kill(grandchild, 'SIGKILL');
      kill(child.pid, 'SIGKILL');
      await exited;
    }

    it("lists this window's namespace first, and a namespace made by unshare apart (root only)", async function () {
      const listing = listIpcNamespaces();
      const own = listing.namespaces[0];
      assert.ok(own.isOwn, 'own namespace first');
      assert.ok(own.pids.includes(process.pid));
      assert.equal(listing.namespaces.filter((ns) => ns.isOwn).length, 1);
      assert.equal(own.id, fs.readlinkSync('/proc/self/ns/ipc').replace(/^ipc:\[(\d+)\]$/, '$1'));

      // Making a namespace needs CAP_SYS_ADMIN, and unshare(1) from util-linux.
      if (process.getuid?.() !== 0 || spawnSync('unshare', ['--ipc', 'true']).status !== 0) return;
      const child = spawn('unshare', ['--ipc', '--fork', 'sleep', '30'], { stdio: 'ignore' });
      try {
        const unsharePid = child.pid;
        assert.ok(unsharePid !== undefined, 'unshare started');
        let sleeper: number | undefined;
        for (const deadline = Date.now() + 5000; sleeper === undefined && Date.now() < deadline; await sleep(10)) {
          sleeper = childrenOf(unsharePid)[0];
        }
        assert.ok(sleeper !== undefined, 'unshare forked its child');
        const after = listIpcNamespaces();
        const theirs = after.namespaces.find((ns) => ns.pids.includes(sleeper));
        assert.ok(theirs, `a namespace holding pid ${sleeper}`);
        assert.equal(theirs.isOwn, false);
        assert.ok(theirs.pids.includes(unsharePid), 'unshare itself moved into the new namespace before forking');
        assert.notEqual(theirs.id, own.id);
        assert.equal(after.namespaces[0].isOwn, true);
        assert.ok(!after.namespaces[0].pids.includes(sleeper));
        assert.match(namespaceLabel(theirs), /^ipc:\[\d+\] · [12] process(es)?: /);
      } finally {
        await killTree(child);
      }
    });
  });
});
