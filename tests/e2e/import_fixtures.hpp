#pragma once
// Python (numpy) scripts that build small Kilosort/phy and IBL ALF folders for the import tests,
// and a checker that compares an imported NWB file with the folder it came from (h5py).

namespace neuropop::test::import_fixtures {

// argv: DIR. A phy folder of 5 clusters (ids 3, 7, 8, 12, 20; 20 is noise, 8 is mua) on 4
// channels, 1000 spikes unsorted in time, spike_times (n, 1) uint64, spike_clusters int32,
// params.py, cluster_group.tsv, cluster_info.tsv (ch, depth, group, brain_region),
// channel_regions.csv and trials.csv (start/stop, stim_on_time, stimulus strings, a contrast
// column with an empty field).
inline const char* const make_phy = R"(
import sys, os, numpy as np
d = sys.argv[1]; os.makedirs(d, exist_ok=True)
rng = np.random.RandomState(3)
ids = np.array([3, 7, 8, 12, 20]); ch = {3: 0, 7: 1, 8: 2, 12: 3, 20: 3}
grp = {3: 'good', 7: 'good', 8: 'mua', 12: 'good', 20: 'noise'}
reg = {3: 'VISp', 7: 'VISp', 8: 'CA1', 12: 'CA1', 20: 'CA1'}
n = 1000
samples = np.sort(rng.randint(0, 30000 * 40, size=n)).astype(np.uint64)
clusters = rng.choice(ids, size=n).astype(np.int32)
perm = rng.permutation(n)  # phy files are in time order; shuffling checks the sort per unit
np.save(os.path.join(d, 'spike_times.npy'), samples[perm].reshape(n, 1))
np.save(os.path.join(d, 'spike_clusters.npy'), clusters[perm])
open(os.path.join(d, 'params.py'), 'w').write(
    "dat_path = 'rec.bin'\nn_channels_dat = 385\ndtype = 'int16'\noffset = 0\n"
    "sample_rate = 30000.0\nhp_filtered = False\n")
with open(os.path.join(d, 'cluster_group.tsv'), 'w') as f:
    f.write('cluster_id\tgroup\n' + ''.join('%d\t%s\n' % (i, grp[i]) for i in ids))
with open(os.path.join(d, 'cluster_info.tsv'), 'w') as f:
    f.write('cluster_id\tamp\tch\tdepth\tgroup\tbrain_region\tn_spikes\n')
    for i in ids:
        f.write('%d\t12.5\t%d\t%d\t%s\t%s\t%d\n' % (i, ch[i], 20 * ch[i], grp[i], reg[i],
                                                   (clusters == i).sum()))
with open(os.path.join(d, 'channel_regions.csv'), 'w') as f:
    f.write('channel,region\n0,VISp\n1,VISp\n2,"CA1"\n3,CA1\n')
with open(os.path.join(d, 'trials.csv'), 'w') as f:
    f.write('start_time,stop_time,stim_on_time,stimulus,contrast\n')
    for t in range(36):
        c = '' if t == 5 else '%g' % (0.25 * (t % 3))
        f.write('%.6f,%.6f,%.6f,stim_%d,%s\n' % (t + 1.0, t + 1.8, t + 1.2, t % 4, c))
)";

// argv: NWB DIR GROUPS REGIONSOURCE (column | channel | NAME). Prints "ok" or what differs:
// unit ids, each unit's sorted times (1e-12 s), regions and the trials columns with their types.
inline const char* const check_phy = R"(
import sys, os, h5py, numpy as np, csv
nwb, d, groups, regsrc = sys.argv[1:5]
groups = groups.split(',')
st = np.load(os.path.join(d, 'spike_times.npy')).ravel()
sc = np.load(os.path.join(d, 'spike_clusters.npy')).ravel()
info = list(csv.DictReader(open(os.path.join(d, 'cluster_info.tsv')), delimiter='\t'))
grp = {int(r['cluster_id']): r['group'] for r in info}
keep = sorted(i for i in set(sc.tolist()) if grp[i] in groups)
chmap = {0: 'VISp', 1: 'VISp', 2: 'CA1', 3: 'CA1'}
reg = {int(r['cluster_id']): (r['brain_region'] if regsrc == 'column' else
       chmap[int(r['ch'])] if regsrc == 'channel' else regsrc) for r in info}
bad = []
with h5py.File(nwb, 'r') as f:
    u = f['units']
    ids = u['id'][:].tolist()
    if ids != keep: bad.append('ids %s != %s' % (ids, keep))
    idx = u['spike_times_index'][:]; t = u['spike_times'][:]
    starts = np.concatenate([[0], idx[:-1]])
    for row, cid in enumerate(keep):
        want = np.sort(st[sc == cid].astype(np.float64) / 30000.0)
        got = t[starts[row]:idx[row]]
        if len(got) != len(want) or np.max(np.abs(got - want)) > 1e-12:
            bad.append('unit %d: %d spikes vs %d' % (cid, len(got), len(want)))
    el = f['general/extracellular_ephys/electrodes']
    loc = [x.decode() if isinstance(x, bytes) else x for x in el['location'][:]]
    rows = u['electrodes'][:]
    got_reg = [loc[r] for r in rows]
    if got_reg != [reg[i] for i in keep]: bad.append('regions %s' % got_reg)
    tr = f['intervals/trials']
    cols = [c.decode() if isinstance(c, bytes) else c for c in tr.attrs['colnames']]
    if cols != ['start_time', 'stop_time', 'stim_on_time', 'stimulus', 'contrast']:
        bad.append('colnames %s' % cols)
    rows = list(csv.DictReader(open(os.path.join(d, 'trials.csv'))))
    for c in ['start_time', 'stop_time', 'stim_on_time', 'contrast']:
        if tr[c].dtype != np.float64: bad.append('%s dtype %s' % (c, tr[c].dtype))
        want = np.array([float(r[c]) if r[c] else np.nan for r in rows])
        if not np.array_equal(tr[c][:], want, equal_nan=True): bad.append('column ' + c)
    stim = [x.decode() for x in tr['stimulus'][:]]
    if stim != [r['stimulus'] for r in rows]: bad.append('stimulus %s' % stim[:4])
print('ok' if not bad else '; '.join(bad))
)";

// argv: DIR. An ALF session: DIR/alf/_ibl_trials.*.npy and DIR/alf/probe00/{spikes,clusters}.
// Cluster 2 has no spikes; regions as a '<U' string array; feedbackType int64, choice float64,
// a string column, and intervals [n, 2].
inline const char* const make_alf = R"(
import sys, os, numpy as np
d = sys.argv[1]; alf = os.path.join(d, 'alf'); probe = os.path.join(alf, 'probe00')
os.makedirs(probe, exist_ok=True)
rng = np.random.RandomState(5)
n = 800
times = np.sort(rng.uniform(0.5, 60.0, size=n))
clusters = rng.choice([0, 1, 3, 4, 5], size=n).astype(np.int64)
np.save(os.path.join(probe, 'spikes.times.npy'), times)
np.save(os.path.join(probe, 'spikes.clusters.npy'), clusters)
np.save(os.path.join(probe, 'spikes.amps.npy'), rng.uniform(size=n))
np.save(os.path.join(probe, 'clusters.channels.npy'), np.array([0, 1, 1, 2, 3, 3], np.int64))
np.save(os.path.join(probe, 'clusters.brainLocationAcronyms_ccf_2017.npy'),
        np.array(['VISp5', 'VISp5', 'CA1', 'CA1', 'DG-mo', 'CA1']))
np.save(os.path.join(probe, 'clusters.depths.npy'), rng.uniform(0, 3000, size=6))
nt = 40
start = 1.0 + 1.4 * np.arange(nt)
np.save(os.path.join(alf, '_ibl_trials.intervals.npy'), np.stack([start, start + 1.1], axis=1))
np.save(os.path.join(alf, '_ibl_trials.stimOn_times.npy'), start + 0.2)
np.save(os.path.join(alf, '_ibl_trials.choice.npy'), rng.choice([-1.0, 1.0], size=nt))
np.save(os.path.join(alf, '_ibl_trials.feedbackType.npy'), rng.choice([-1, 1], size=nt))
cl = rng.choice([0.0, 0.25, 1.0, np.nan], size=nt)
np.save(os.path.join(alf, '_ibl_trials.contrastLeft.npy'), cl)
np.save(os.path.join(alf, '_ibl_trials.side.npy'), np.array(['left', 'right'] * (nt // 2)))
)";

// argv: NWB DIR. Prints "ok" or what differs from the ALF folder.
inline const char* const check_alf = R"(
import sys, os, h5py, numpy as np
nwb, d = sys.argv[1:3]
alf = os.path.join(d, 'alf'); probe = os.path.join(alf, 'probe00')
t = np.load(os.path.join(probe, 'spikes.times.npy'))
c = np.load(os.path.join(probe, 'spikes.clusters.npy'))
acr = np.load(os.path.join(probe, 'clusters.brainLocationAcronyms_ccf_2017.npy'))
keep = sorted(set(c.tolist()))
bad = []
with h5py.File(nwb, 'r') as f:
    u = f['units']
    if u['id'][:].tolist() != keep: bad.append('ids %s' % u['id'][:])
    idx = u['spike_times_index'][:]; st = u['spike_times'][:]
    starts = np.concatenate([[0], idx[:-1]])
    for row, cid in enumerate(keep):
        want = np.sort(t[c == cid]); got = st[starts[row]:idx[row]]
        if len(got) != len(want) or np.max(np.abs(got - want)) > 1e-12:
            bad.append('unit %d' % cid)
    el = f['general/extracellular_ephys/electrodes']
    loc = [x.decode() for x in el['location'][:]]
    if [loc[r] for r in u['electrodes'][:]] != [str(acr[i]) for i in keep]:
        bad.append('regions %s' % loc)
    tr = f['intervals/trials']
    iv = np.load(os.path.join(alf, '_ibl_trials.intervals.npy'))
    if not np.array_equal(tr['start_time'][:], iv[:, 0]): bad.append('start_time')
    if not np.array_equal(tr['stop_time'][:], iv[:, 1]): bad.append('stop_time')
    for a in ['stimOn_times', 'choice', 'feedbackType', 'contrastLeft']:
        want = np.load(os.path.join(alf, '_ibl_trials.%s.npy' % a)).astype(np.float64)
        if a not in tr or tr[a].dtype != np.float64 or not np.array_equal(tr[a][:], want, equal_nan=True):
            bad.append('column ' + a)
    side = [x.decode() for x in tr['side'][:]]
    if side != np.load(os.path.join(alf, '_ibl_trials.side.npy')).tolist(): bad.append('side')
print('ok' if not bad else '; '.join(bad))
)";

} // namespace neuropop::test::import_fixtures
