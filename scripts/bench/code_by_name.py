#!/usr/bin/env python3
"""Raw code bytes of a wasm's functions whose names contain each PATTERN (the first that
matches counts), read from its name section: how issue 26's TLS share of the page was measured.
Use a wasm that keeps names: wasm-bindgen's *_bg.wasm of target/wasm32-unknown-unknown/release,
before wasm-opt. Usage: code_by_name.py FILE.wasm PATTERN...
"""
import sys,re
data=open(sys.argv[1],'rb').read()
def leb(b,i):
    r=0;s=0
    while True:
        x=b[i];i+=1;r|=(x&0x7f)<<s;s+=7
        if x<0x80:return r,i
i=8;imports=0;sizes=[];names={}
while i<len(data):
    sid=data[i];i+=1;ln,i=leb(data,i);end=i+ln
    if sid==2:
        n,j=leb(data,i)
        for _ in range(n):
            l,j=leb(data,j);j+=l;l,j=leb(data,j);j+=l;k=data[j];j+=1
            if k==0: _,j=leb(data,j);imports+=1
            elif k==1: j+=1;f,j=leb(data,j);_,j=leb(data,j); j=j if not f&1 else leb(data,j)[1]
            elif k==2: f,j=leb(data,j);_,j=leb(data,j); j=j if not f&1 else leb(data,j)[1]
            elif k==3: j+=2
    elif sid==10:
        n,j=leb(data,i)
        for _ in range(n):
            l,j2=leb(data,j);sizes.append(l+(j2-j));j=j2+l
    elif sid==0:
        l,j=leb(data,i);nm=data[j:j+l];j+=l
        if nm==b'name':
            while j<end:
                t=data[j];j+=1;l,j=leb(data,j);se=j+l
                if t==1:
                    n,k=leb(data,j)
                    for _ in range(n):
                        idx,k=leb(data,k);l2,k=leb(data,k);names[idx]=data[k:k+l2].decode('utf8','replace');k+=l2
                j=se
    i=end
tot={}
pats=sys.argv[2:]
for fi,s in enumerate(sizes):
    n=names.get(fi+imports,'')
    for p in pats:
        if p in n: tot[p]=tot.get(p,0)+s;break
print("functions",len(sizes),"named",len(names),"total code",sum(sizes))
for p in pats: print(p,tot.get(p,0))
