from checklib import *

# debianSlim({ buildTools: true }): a compiler, so a package with only a C-extension sdist
# (apothic-e2e-cext, made by make_index.py, no wheel anywhere) builds at pipInstall.
runs("gcc is there", ["gcc", "--version"], "gcc")
runs("make is there", ["make", "--version"], "GNU Make")
if imports("apothic_e2e_cext", "1.0", "VERSION"):
    import apothic_e2e_cext
    check("it is a compiled extension module", apothic_e2e_cext.__file__.endswith(".so"), apothic_e2e_cext.__file__)
    eq("its C function runs: add(40, 2)", apothic_e2e_cext.add(40, 2), 42)
done()
