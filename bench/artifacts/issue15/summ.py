import sys,re
for f in sys.argv[1:]:
    t=open(f).read()
    def g(p):
        m=re.search(p,t); return m.group(1) if m else '-'
    cs=g(r'classifier score \(higher is better\)\s+([-\d.]+)')
    fd=g(r'Frechet distance to training digits\s+([-\d.]+)')
    f1=g(r'first 1000 samples\s+([-\d.]+)')
    fi=g(r'\(FID∞\)\s+([-\d.]+)')
    cl=g(r'classes with >= 2% of samples\s+(\S+)')
    kl=g(r'class KL to training labels \(nats\)\s+([-\d.]+)')
    pz=g(r'Parzen log-likelihood \(nats\)\s+([-\d.]+ ± [\d.]+)')
    ms=g(r'min share ([\d.]+%)')
    print(f"{f}\t{cs}\t{fd}\t{f1}\t{fi}\t{cl}\t{ms}\t{kl}\t{pz}")
