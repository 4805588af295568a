"""The browser libraries the pages and GraphiQL use, pinned and checked in.

    .venv/bin/python web/vendor.py           # download the pins below, rewrite web/static/vendor/
    .venv/bin/python web/vendor.py --check   # offline: the files match MANIFEST.json

Each package comes from the npm registry as the tarball its metadata names; the
tarball's sha512 must equal the registry's `dist.integrity` before anything is taken
from it. Only the browser builds listed in PINS are copied (byte for byte), with the
package's licence file, into `web/static/vendor/<package>/`, and
`web/static/vendor/MANIFEST.json` records package, version, licence, tarball,
integrity and every file's sha256 and size. The app serves that directory at
`/static/vendor/`; nothing is fetched from a CDN at run time.

To update: change a version in PINS (and the paths in web/graphiql.html or the pages
if a file moved), run this script, try GraphiQL, /board and /m (tests/browser), and
commit the result.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import shutil
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import httpx

REGISTRY = "https://registry.npmjs.org"
VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
MANIFEST = VENDOR_DIR / "MANIFEST.json"
LICENSE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "license")


@dataclass(frozen=True)
class Pin:
    package: str
    version: str
    # Paths inside the package (without the tarball's leading "package/").
    files: tuple[str, ...]
    why: str


PINS = (
    # GraphiQL 3.x is the last line with a UMD build that needs no bundler; strawberry's
    # own template loads 3.8.3. It needs React 18 as UMD globals (React 19 has no UMD).
    Pin(
        "react",
        "18.3.1",
        ("umd/react.production.min.js",),
        "GraphiQL's UI library (window.React)",
    ),
    Pin(
        "react-dom",
        "18.3.1",
        ("umd/react-dom.production.min.js",),
        "GraphiQL's renderer (window.ReactDOM)",
    ),
    Pin(
        "graphiql",
        "3.8.3",
        ("graphiql.min.js", "graphiql.min.css"),
        "the GraphQL IDE served at /graphql outside production",
    ),
    Pin(
        "graphql-ws",
        "6.4.2",
        ("umd/graphql-ws.min.js",),
        "graphql-transport-ws client for /board, /m and GraphiQL subscriptions (window.graphqlWs)",
    ),
)


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def fetch(client: httpx.Client, pin: Pin) -> dict[str, object]:
    """Downloads one pinned package, checks it, copies its files; its manifest entry."""
    meta = client.get(f"{REGISTRY}/{pin.package}/{pin.version}")
    meta.raise_for_status()
    info = meta.json()
    dist = info["dist"]
    tarball = client.get(dist["tarball"])
    tarball.raise_for_status()
    data = tarball.content
    if integrity_of(data) != dist["integrity"]:
        raise SystemExit(f"{pin.package}@{pin.version}: the tarball does not match its integrity")

    target = VENDOR_DIR / pin.package
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    wanted = {f"package/{name}": name for name in pin.files}
    licence_file: str | None = None
    files: list[dict[str, object]] = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        members = {m.name: m for m in archive.getmembers() if m.isfile()}
        for name in LICENSE_NAMES:
            if f"package/{name}" in members:
                licence_file = name
                wanted[f"package/{name}"] = name
                break
        for member_name, relative in wanted.items():
            member = members.get(member_name)
            if member is None:
                raise SystemExit(f"{pin.package}@{pin.version} has no {relative}")
            extracted = archive.extractfile(member)
            assert extracted is not None
            content = extracted.read()
            # Flat: vendor/<package>/<file name>.
            out = target / Path(relative).name
            out.write_bytes(content)
            files.append(
                {
                    "path": out.relative_to(VENDOR_DIR).as_posix(),
                    "from": relative,
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "size": len(content),
                }
            )
    if licence_file is None:
        raise SystemExit(f"{pin.package}@{pin.version}: no licence file in the package")
    return {
        "package": pin.package,
        "version": pin.version,
        "license": info.get("license"),
        "licenseFile": f"{pin.package}/{Path(licence_file).name}",
        "why": pin.why,
        "tarball": dist["tarball"],
        "integrity": dist["integrity"],
        "files": files,
    }


def download() -> None:
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    # What an earlier set of pins left behind goes.
    pinned = {pin.package for pin in PINS}
    for child in VENDOR_DIR.iterdir():
        if child.is_dir() and child.name not in pinned:
            shutil.rmtree(child)
    with httpx.Client(timeout=60, follow_redirects=True) as client:
        entries = []
        for pin in PINS:
            entries.append(fetch(client, pin))
            print(f"{pin.package}@{pin.version}: {len(entries[-1]['files'])} files")  # type: ignore[arg-type]
    manifest = {
        "generatedBy": "web/vendor.py",
        "registry": REGISTRY,
        "packages": entries,
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(f["size"] for e in entries for f in e["files"])  # type: ignore[attr-defined]
    print(f"wrote {MANIFEST.relative_to(VENDOR_DIR.parents[2])} ({total / 1e6:.1f} MB)")


def check() -> list[str]:
    """What does not match MANIFEST.json (and PINS); empty when all is well. No network."""
    if not MANIFEST.exists():
        return [f"{MANIFEST} is missing: run web/vendor.py"]
    manifest = json.loads(MANIFEST.read_text())
    problems: list[str] = []
    recorded = {(e["package"], e["version"]) for e in manifest["packages"]}
    for pin in PINS:
        if (pin.package, pin.version) not in recorded:
            problems.append(f"{pin.package}@{pin.version} is pinned but not vendored")
    for entry in manifest["packages"]:
        for file in entry["files"]:
            path = VENDOR_DIR / file["path"]
            if not path.exists():
                problems.append(f"{file['path']} is missing")
            elif hashlib.sha256(path.read_bytes()).hexdigest() != file["sha256"]:
                problems.append(f"{file['path']} differs from what was downloaded")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description="Pinned browser libraries from npm.")
    parser.add_argument("--check", action="store_true", help="verify, offline")
    args = parser.parse_args()
    if args.check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if not problems:
            print("vendored files match MANIFEST.json")
        return 1 if problems else 0
    download()
    return 0


if __name__ == "__main__":
    sys.exit(main())
