# Writes the seed corpus of the fuzz targets: python3 fuzz/make_corpus.py fuzz/corpus
# (standard library only, so that it runs where numpy is not installed).
import io, json, os, struct, sys, zipfile, zlib
root = sys.argv[1]

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
