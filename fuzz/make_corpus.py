# Writes the seed corpus of the fuzz targets: python3 fuzz/make_corpus.py fuzz/corpus [DEEPRG]
# (standard library only, so that it runs where numpy is not installed). With the deeprg tool
# (e.g. build/release/apps/deeprg/deeprg) it also rewrites the presets' TOML, which only the
# library can print (to_toml); without it those committed seeds stay as they are.
import io, json, os, struct, subprocess, sys, zipfile, zlib
root = sys.argv[1]
deeprg = sys.argv[2] if len(sys.argv) > 2 else None

def npy(descr, shape, data, version=1):
    shape_s = '(' + ', '.join(map(str, shape)) + (',)' if len(shape) == 1 else ')')
    if len(shape) != 1: shape_s = '(' + ', '.join(map(str, shape)) + ')'
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape_s)
    pre = 10 if version == 1 else 12
    h += ' ' * (63 - (pre + len(h)) % 64) + '\n'
    if version == 1:
        return b'\x93NUMPY\x01\x00' + struct.pack('<H', len(h)) + h.encode() + data
    return b'\x93NUMPY' + bytes([version, 0]) + struct.pack('<I', len(h)) + h.encode() + data

def i1(vals): return struct.pack('<%db' % len(vals), *vals)
def f4(vals): return struct.pack('<%df' % len(vals), *vals)
def f8(vals): return struct.pack('<%dd' % len(vals), *vals)

def write(target, name, data):
    d = os.path.join(root, target); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, name), 'wb').write(data)

spins_2d = npy('|i1', (3, 2, 2), i1([1, -1, -1, 1, 1, 1, -1, -1, 1, -1, 1, -1]))
spins_1d = npy('|i1', (2, 4), i1([1, -1, 1, 1, -1, -1, 1, -1]))
# .npy
write('npy', 'spins_3x2x2.npy', spins_2d)
write('npy', 'f4_2x3.npy', npy('<f4', (2, 3), f4([1.5, -2, 3.25, 0, 1e-30, -7])))
write('npy', 'f8_scalar.npy', npy('<f8', (), f8([0.5])))
write('npy', 'u1_empty.npy', npy('|u1', (0, 4), b''))
write('npy', 'i8_v2.npy', npy('<i8', (3,), struct.pack('<3q', -1, 0, 1 << 40), version=2))
write('npy', 'u4_v3.npy', npy('<u4', (2,), struct.pack('<2I', 7, 8), version=3))
write('npy', 'truncated.npy', spins_2d[:-3])
write('npy', 'trailing.npy', spins_2d + b'x')
write('npy', 'fortran.npy', spins_2d.replace(b'False', b'True '))
write('npy', 'complex.npy', npy('<c8', (1,), b'\0' * 8))
write('npy', 'wrap.npy', npy('|i1', (4611686018427387904, 4, 4), b''))
write('npy', 'garbage.npy', b'\x93NUMPY\x01\x00\x10\x00{"descr": [1, 2]\n')
# spin files
write('spin_file', 'square.npy', spins_2d)
write('spin_file', 'chain.npy', spins_1d)
write('spin_file', 'four_d.npy', npy('|i1', (1, 2, 2, 2), i1([1, -1] * 4)))
write('spin_file', 'zero_value.npy', npy('|i1', (2, 2), i1([1, 0, -1, 1])))
write('spin_file', 'float.npy', npy('<f4', (2, 2), f4([1, -1, 1, -1])))
write('spin_file', 'no_samples.npy', npy('|i1', (0, 4), b''))
write('spin_file', 'empty_samples.npy', npy('|i1', (3, 0), b''))
write('spin_file', 'side_one.npy', npy('|i1', (2, 1), i1([1, -1])))

# .npz
def npz(arrays, compression=zipfile.ZIP_STORED, zip64=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', compression) as z:
        for k, v in arrays.items():
            with z.open(k + '.npy', 'w', force_zip64=zip64) as f:
                f.write(v)
    return buf.getvalue()
arrays = {'W': npy('<f4', (2, 3), f4([1, 2, 3, 4, 5, 6])), 'i8': npy('|i1', (5,), i1([-128, -1, 0, 1, 127])),
          'layer_1/b': npy('<f8', (2,), f8([0.5, -0.25]))}
stored = npz(arrays)
write('npz', 'stored.npz', stored)
write('npz', 'deflated.npz', npz(arrays, zipfile.ZIP_DEFLATED))
write('npz', 'zip64.npz', npz(arrays, zipfile.ZIP_DEFLATED, zip64=True))
write('npz', 'empty.npz', npz({}))
write('npz', 'truncated.npz', stored[:len(stored) // 2])
bad_crc = bytearray(stored); bad_crc[40] ^= 1
write('npz', 'bad_crc.npz', bytes(bad_crc))
write('npz', 'not_npy_member.npz', npz({'x': b'hello'}))

# models
def meta(obj): return npy('|u1', (len(json.dumps(obj)),), json.dumps(obj).encode())
rbm = {'W': npy('<f4', (3, 2), f4([0.1, -0.2, 0.3, 0.4, -0.5, 0.6])),
       'visible_bias': npy('<f4', (3,), f4([0, 0.1, -0.1])),
       'hidden_bias': npy('<f4', (2,), f4([0.2, -0.2])),
       'meta': meta({'visible': 'spin', 'hidden': 'bernoulli', 'seed': 1})}
write('model', 'rbm_stored.npz', npz(rbm))
write('model', 'rbm_deflated_f8.npz', npz({**rbm, 'W': npy('<f8', (3, 2), f8([0.1, -0.2, 0.3, 0.4, -0.5, 0.6]))},
                                          zipfile.ZIP_DEFLATED))
dbn = {}
sizes = [3, 2, 2]
for k in (1, 2):
    nv, nh = sizes[k - 1], sizes[k]
    dbn['layer_%d/W' % k] = npy('<f4', (nv, nh), f4([0.1 * i for i in range(nv * nh)]))
    dbn['layer_%d/visible_bias' % k] = npy('<f4', (nv,), f4([0] * nv))
    dbn['layer_%d/hidden_bias' % k] = npy('<f4', (nh,), f4([0] * nh))
    dbn['layer_%d/meta' % k] = meta({'visible': 'bernoulli', 'hidden': 'bernoulli'})
dbn['meta'] = meta({'format': 'deeprg-dbn', 'version': 1, 'layers': 2, 'sizes': sizes,
                    'units': ['bernoulli'] * 3, 'meta': {}})
write('model', 'dbn.npz', npz(dbn))
write('model', 'rbm_bad_meta.npz', npz({**rbm, 'meta': meta([1, 2])}))
write('model', 'rbm_nan.npz', npz({**rbm, 'hidden_bias': npy('<f4', (2,), f4([float('nan'), 0]))}))

# sidecars
write('sidecar', 'sample.json', json.dumps({'model': 'ising', 'lattice': {'dim': 2, 'lx': 4, 'ly': 4},
    'temperature': 2.269, 'K': 0.4407, 'algorithm': 'wolff', 'tau_int': 1.5, 'spacing': 3, 'seed': 7,
    'version': '0.1.0'}, indent=2).encode())
write('sidecar', 'nested.json', b'{"a": [1, 2.5e300, -0.0, null, true, "\\u00e9\\ud83d\\ude00"], "b": {"c": {}}}')
write('sidecar', 'broken.json', b'{"temperature": 2.5,')
write('sidecar', 'not_object.json', b'[[[[[[1]]]]]]')

# Experiment config TOML (deeprg run --config). The presets as --print-config prints them, then
# documents that use TOML's other forms, then near misses: known keys with bad values.
if deeprg:
    for name in ('paper', 'quick'):
        toml = subprocess.run([deeprg, 'run', '--preset', name, '--print-config'], check=True,
                              stdout=subprocess.PIPE).stdout
        write('config_toml', 'preset_%s.toml' % name, toml)
write('config_toml', 'dotted.toml', b'lattice.L = 16\nlattice.K = 0.44068679350977147\n'
      b'train.epochs = 3 # comment\ndbn.hidden = [64, 16]\n')
write('config_toml', 'inline.toml', b'lattice = { L = 8, K = 1 }\ntrain = { l1 = 1e-3, l2 = 0.0 }\n'
      b'[run]\nseed = 0x7fffffffffffffff\nthreads = 0b10\n')
write('config_toml', 'strings.toml', b"[sampling]\nalgorithm = 'swendsen-wang'\n[dbn]\n"
      b'visible_units = "spin"\nhidden_units = """spin"""\npropagate = "samples"\n'
      b'[train]\nprecision = "bf16"\npersistent = true\n')
write('config_toml', 'all_sections.toml', b'[lattice]\n[sampling]\n[dbn]\n[train]\n[analysis]\n'
      b'rf_fraction = 0.5\nunits_shown = 64\nreconstructions = 20\nsamples = 100\n[run]\n')
write('config_toml', 'odd_side.toml', b'[lattice]\nL = 41\n')
write('config_toml', 'nan.toml', b'[lattice]\nK = nan\n[train]\nl1 = -inf\n')
write('config_toml', 'negative.toml', b'[sampling]\nsamples = -1\n')
write('config_toml', 'int_overflow.toml', b'[train]\nepochs = 2147483648\n')
write('config_toml', 'seed_max.toml', b'[run]\nseed = 9223372036854775807\n')
write('config_toml', 'hidden_bad.toml', b'[dbn]\nhidden = [400, "100", 0]\n')
write('config_toml', 'hidden_empty.toml', b'[dbn]\nhidden = []\n')
write('config_toml', 'hidden_deep.toml', b'[dbn]\nhidden = [' + b', '.join([b'2'] * 17) + b']\n')
write('config_toml', 'bad_string.toml', b'[sampling]\nalgorithm = "gibbs"\n')
write('config_toml', 'wrong_type.toml', b'[train]\npersistent = "yes"\nlearning_rate = 1979-05-27\n')
write('config_toml', 'unknown_key.toml', b'[lattice]\nl = 40\n[train]\nlearningrate = 0.1\n')
write('config_toml', 'section_value.toml', b'lattice = 3\n')
write('config_toml', 'nested_table.toml', b'[train.l1]\nx = 1\n[[run]]\n')
write('config_toml', 'duplicate.toml', b'[lattice]\nL = 8\nL = 16\n')
write('config_toml', 'invalid.toml', b'[lattice\nL = = 4\n')
write('config_toml', 'unicode.toml', '[lattice]\n"L" = 8 # größe\n[run]\n# \u00e9\u6f22\U0001F600\n'
      .encode())

# --set KEY=VALUE overrides, one per line.
# Lists of the command line: temperatures, sizes, seeds, sweeps (lists_fuzz.cpp).
write('lists', 'temperatures.txt', b'2.0:2.6:0.1,2.269')
write('lists', 'sizes.txt', b'16, 32,64')
write('lists', 'seeds.txt', b'1-8,10')
write('lists', 'sweep_hidden.txt', b'dbn.hidden=[400,100],[400,50]')
write('lists', 'sweep_k.txt', b'lattice.K=0.40,0.4207,"x"')
write('lists', 'tiny_step.txt', b'1:1.00001:0.000001')
write('lists', 'huge_range.txt', b'1e-300:1e300:1e-300,nan,inf,-0')

write('config_set', 'readme.txt', b'train.l1=2e-4\ndbn.hidden=[400,100]\n')
write('config_set', 'bare_words.txt', b'sampling.algorithm=swendsen-wang\ntrain.precision=bf16\n'
      b'dbn.visible_units=spin\n')
write('config_set', 'spaces.txt', b' lattice.L = 16 \nlattice.K=0.44068679350977147\n'
      b'train.persistent=true\ndbn.propagate="samples"\nrun.seed=0\n')
write('config_set', 'every_key.txt', b'\n'.join(k + b'=' + v for k, v in [
    (b'lattice.L', b'8'), (b'lattice.K', b'1'), (b'sampling.samples', b'100'),
    (b'sampling.algorithm', b'metropolis'), (b'dbn.hidden', b'[16, 4]'),
    (b'dbn.visible_units', b'"bernoulli"'), (b'dbn.hidden_units', b'spin'),
    (b'dbn.propagate', b'mean-field'), (b'train.epochs', b'2'), (b'train.batch_size', b'10'),
    (b'train.cd_k', b'3'), (b'train.persistent', b'false'), (b'train.learning_rate', b'0.05'),
    (b'train.momentum', b'0.0'), (b'train.final_momentum', b'0.5'),
    (b'train.momentum_switch', b'1'), (b'train.l1', b'0'), (b'train.l2', b'1e-4'),
    (b'train.init_std', b'0.1'), (b'train.precision', b'fp32'), (b'analysis.rf_fraction', b'0.9'),
    (b'analysis.units_shown', b'4'), (b'analysis.reconstructions', b'1'),
    (b'analysis.samples', b'50'), (b'run.seed', b'42'), (b'run.threads', b'2')]))
write('config_set', 'no_equals.txt', b'train.epochs\n')
write('config_set', 'no_key.txt', b'=1\n')
write('config_set', 'no_value.txt', b'lattice.L=\n')
write('config_set', 'section.txt', b'lattice=3\n')
write('config_set', 'unknown.txt', b'train.learningrate=0.1\nlatice.L=8\n')
write('config_set', 'smuggled.txt', b'lattice.L=1 # x\ntrain.epochs=1, other = 2\n')
write('config_set', 'seed_too_big.txt', b'run.seed=18446744073709551615\n')
write('config_set', 'nan.txt', b'analysis.rf_fraction=nan\nlattice.K=inf\n')
write('config_set', 'bad_values.txt', b'dbn.hidden=[400, 100, 25,]\ntrain.learning_rate=0x10\n'
      b'run.threads=-1\ndbn.hidden={a=1}\nrun.seed=1979-05-27T07:32:00Z\n'
      b'sampling.algorithm=wolff!\ntrain.epochs=3.0\n')

# dbn.json of a DBN directory: fuzz_dbn_json holds it beside a 3-2-2 network (layer_1.npz and
# layer_2.npz, bernoulli units). save_dbn writes nlohmann's dump(2): sorted keys, two-space indent.
def dbn_json(doc): return (json.dumps(doc, indent=2, sort_keys=True) + '\n').encode()
doc = {'format': 'deeprg-dbn', 'version': 1, 'layers': 2, 'sizes': [3, 2, 2],
       'units': ['bernoulli'] * 3, 'meta': {}}
write('dbn_json', 'save_dbn.json', dbn_json(doc))
write('dbn_json', 'one_layer.json', dbn_json({**doc, 'layers': 1, 'sizes': [3, 2],
                                              'units': ['bernoulli'] * 2}))
write('dbn_json', 'minimal.json', b'{"format":"deeprg-dbn","version":1,"layers":2}')
write('dbn_json', 'provenance.json', dbn_json({**doc, 'meta': {
    'trained_by': 'deeprg 0.1.0', 'seed': 18446744073709551615, 'epochs': [200, 200],
    'config': {'lattice': {'L': 40, 'K': 0.408}, 'note': '\u00e9\U0001F600'}, 'none': None}}))
write('dbn_json', 'meta_null.json', dbn_json({**doc, 'meta': None}))
write('dbn_json', 'meta_array.json', dbn_json({**doc, 'meta': [1, 2]}))
write('dbn_json', 'other_format.json', dbn_json({**doc, 'format': 'keras'}))
write('dbn_json', 'no_format.json', b'{"version": 1, "layers": 2}')
write('dbn_json', 'version_2.json', dbn_json({**doc, 'version': 2}))
write('dbn_json', 'version_float.json', dbn_json({**doc, 'version': 1.0}))
write('dbn_json', 'layers_zero.json', dbn_json({**doc, 'layers': 0}))
write('dbn_json', 'layers_negative.json', dbn_json({**doc, 'layers': -1}))
write('dbn_json', 'layers_missing_file.json', dbn_json({**doc, 'layers': 3}))
write('dbn_json', 'layers_huge.json', dbn_json({**doc, 'layers': 18446744073709551615}))
write('dbn_json', 'sizes_disagree.json', dbn_json({**doc, 'sizes': [3, 2, 3]}))
write('dbn_json', 'units_disagree.json', dbn_json({**doc, 'units': ['spin', 'bernoulli', 'bernoulli']}))
write('dbn_json', 'not_object.json', b'[{"format": "deeprg-dbn"}]')
write('dbn_json', 'truncated.json', dbn_json(doc)[:40])
write('dbn_json', 'bad_utf8.json', b'{"format": "deeprg-dbn", "version": 1, "layers": 2, "meta": {"\xff": 1}}')

# toml++ 3.3.0 reaches __builtin_unreachable() on a non-ASCII character where it looks for
# whitespace (marzer/tomlplusplus#295; see CMakeLists.txt): the smallest documents that do.
write('config_toml', 'non_ascii_unreachable.toml', '\u00e9'.encode())
write('config_set', 'non_ascii_unreachable.txt', 'run.seed=1\u00e9\n'.encode())
