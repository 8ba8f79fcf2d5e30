#!/usr/bin/python3
"""make portability: core/ and drivers/ may include only C11 headers, the DRM
uAPI headers and project headers (DESIGN.md, "Dependency rule").

Two checks, both must pass:
 1. Every #include directive names an allowed header: a C11 standard header,
    a DRM uAPI header, or a project header under core/ or drivers/.
 2. Every .c file compiles with -nostdinc against a mirror include tree that
    holds only the allowed headers and the files they themselves pull in, so
    an include hidden behind a macro or a typo'd path cannot slip through.
"""
import os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "build", "portability")
CC = os.environ.get("CC", "gcc")

# C11 (ISO/IEC 9899:2011, 7.1.2) minus <threads.h>: threads go through the platform layer.
C11 = {"assert.h", "complex.h", "ctype.h", "errno.h", "fenv.h", "float.h", "inttypes.h",
       "iso646.h", "limits.h", "locale.h", "math.h", "setjmp.h", "signal.h", "stdalign.h",
       "stdarg.h", "stdatomic.h", "stdbool.h", "stddef.h", "stdint.h", "stdio.h", "stdlib.h",
       "stdnoreturn.h", "string.h", "tgmath.h", "time.h", "uchar.h", "wchar.h", "wctype.h"}
DRM_UAPI = {"drm.h", "drm_mode.h", "drm_fourcc.h", "virtgpu_drm.h", "i915_drm.h", "amdgpu_drm.h"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def sources():
    for top in ("core", "drivers"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    yield os.path.join(d, f)


def check_directives():
    bad = []
    for path in sources():
        text = open(path, encoding="utf-8").read()
        for m in INCLUDE_RE.finditer(text):
            kind, name = m.groups()
            rel = os.path.relpath(path, ROOT)
            if kind == "<":
                if name not in C11 and name not in DRM_UAPI:
                    bad.append(f"{rel}: #include <{name}> is neither C11 nor a DRM uAPI header")
            else:
                target = os.path.normpath(os.path.join(ROOT, name))
                local = os.path.normpath(os.path.join(os.path.dirname(path), name))
                ok = any(os.path.isfile(p) and os.path.relpath(p, ROOT).split(os.sep)[0] in ("core", "drivers")
                         for p in (target, local))
                if not ok:
                    bad.append(f'{rel}: #include "{name}" is not a header under core/ or drivers/')
    return bad


def system_include_dirs():
    r = subprocess.run([CC, "-xc", "-E", "-v", "-"], input="", capture_output=True, text=True)
    dirs, on = [], False
    for line in r.stderr.splitlines():
        if line.startswith("#include <...> search starts here"):
            on = True
        elif line.startswith("End of search list"):
            on = False
        elif on:
            dirs.append(os.path.realpath(line.strip()))
    return dirs


def build_mirror():
    """Symlink the allowed headers and their own dependencies into OUT/include."""
    drm_dir = subprocess.run(["pkg-config", "--variable=includedir", "libdrm"], capture_output=True,
                             text=True, check=True).stdout.strip() + "/libdrm"
    roots = [os.path.realpath(drm_dir)] + system_include_dirs()
    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as f:
        for h in sorted(C11 | DRM_UAPI):
            f.write(f"#include <{h}>\n")
        probe = f.name
    deps = subprocess.run([CC, "-std=c11", "-M", "-I", drm_dir, probe], capture_output=True,
                          text=True, check=True).stdout
    os.unlink(probe)
    inc = os.path.join(OUT, "include")
    subprocess.run(["rm", "-rf", inc], check=True)
    # One mirror per original include directory, searched in the same order, so
    # #include_next (gcc's <stdint.h> -> glibc's) still finds the next one.
    mirrors = [os.path.join(inc, str(i)) for i in range(len(roots))]
    count = 0
    for dep in deps.replace("\\\n", " ").split()[2:]:
        real = os.path.realpath(dep)
        for i, root in enumerate(roots):
            if real.startswith(root + "/"):
                dst = os.path.join(mirrors[i], os.path.relpath(real, root))
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                if not os.path.lexists(dst):
                    os.symlink(real, dst)
                    count += 1
                break
    return [m for m in mirrors if os.path.isdir(m)], count


def compile_all(mirrors):
    failed = []
    inc_args = [a for m in mirrors for a in ("-isystem", m)]
    for path in sources():
        if not path.endswith(".c"):
            continue
        r = subprocess.run([CC, "-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-nostdinc",
                            *inc_args, "-I", ROOT, "-I", os.path.join(ROOT, "core"), path],
                           capture_output=True, text=True)
        if r.returncode:
            lines = r.stderr.strip().splitlines()
            failed.append(f"{os.path.relpath(path, ROOT)}:\n" + "\n".join(lines[:12]))
    return failed


def main():
    bad = check_directives()
    inc, n = build_mirror()
    failed = compile_all(inc)
    nfiles = sum(1 for p in sources() if p.endswith(".c"))
    for line in bad + failed:
        print("portability: " + line, file=sys.stderr)
    if bad or failed:
        print(f"portability: FAILED ({len(bad)} bad includes, {len(failed)} files do not compile "
              f"against C11 + DRM uAPI headers only)", file=sys.stderr)
        return 1
    print(f"portability: {nfiles} files in core/ and drivers/ compile against C11 + DRM uAPI headers "
          f"only ({n} headers in the mirror)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
