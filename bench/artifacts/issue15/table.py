import sys,re
def parse(f):
    t=open(f).read()
    g=lambda p: re.search(p,t).group(1)
    return dict(cs=float(g(r'classifier score \(higher is better\)\s+([-\d.]+)')),
        fd=float(g(r'Frechet distance to training digits\s+([-\d.]+)')),
        f1=float(g(r'first 1000 samples\s+([-\d.]+)')),
        fi=float(g(r'\(FID∞\)\s+([-\d.]+)')),
        cl=g(r'classes with >= 2% of samples\s+(\S+)'),
        ms=float(g(r'min share ([\d.]+)%')),
        kl=float(g(r'class KL to training labels \(nats\)\s+([-\d.]+)')),
        pz=float(g(r'Parzen log-likelihood \(nats\)\s+([-\d.]+) ±')),
        pe=g(r'Parzen log-likelihood \(nats\)\s+[-\d.]+ ± ([\d.]+)'))
prefix=sys.argv[1]; seeds=sys.argv[2].split(','); step=sys.argv[3]
rows=[(s,parse(f"/tmp/gq/ev/{prefix}{s}-{step}.txt")) for s in seeds]
print("| seed | classifier score | Frechet distance | FD, first 1,000 | FID∞ | smallest class share | class KL (nats) | Parzen (nats) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for s,r in rows:
    print(f"| {s} | {r['cs']:.3f} | {r['fd']:.3f} | {r['f1']:.3f} | {r['fi']:.3f} | {r['ms']:.2f}% ({r['cl']}) | {r['kl']:.4f} | {r['pz']:.1f} ± {r['pe']} |")
def agg(k,fmt):
    v=[r[k] for _,r in rows]; m=sum(v)/len(v)
    return f"{m:{fmt}} [{min(v):{fmt}}-{max(v):{fmt}}]"
print(f"| mean [min-max] | {agg('cs','.3f')} | {agg('fd','.3f')} | {agg('f1','.3f')} | {agg('fi','.3f')} | {agg('ms','.2f')} | {agg('kl','.4f')} | {agg('pz','.1f')} |")
