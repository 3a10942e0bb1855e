//! Build steps of the Python module beyond compiling it.
//!
//! 1. **Soname** (Linux): the module's shared library gets the soname of the file maturin
//!    installs, `_native.abi3.so`. A C++ extension links against the installed module with
//!    `-l:_native.abi3.so` (or CMake's `hyperparameter::python`) and so records
//!    `NEEDED _native.abi3.so`; the dynamic loader satisfies that with the already loaded
//!    object of that soname, the module Python imported: the extension binds to that copy of
//!    the store instead of looking for a second one.
//! 2. **C++ files for the wheel**: the header (`crates/hyperparameter-capi/include`) and the
//!    CMake config (`crates/hyperparameter-capi/cmake`) are copied into the Python package
//!    (`python/hyperparameter/include`, `python/hyperparameter/cmake`), where
//!    `hyperparameter.include` and `hyperparameter.cmake_dir` name them and from where
//!    `[tool.maturin] include` puts them into the wheel. maturin compiles the crate before
//!    it assembles the wheel, so `pip install .` from a fresh clone ships them. The copies
//!    are generated (listed in `.gitignore`); the files under `crates/` are the only ones
//!    to edit. Nothing is copied when the package directory is absent (a crate built on its
//!    own).
//! 3. **The version file**: `python/hyperparameter/_version.py` gets the workspace version
//!    (`[workspace.package] version` in the root `Cargo.toml`, the one version of the crates,
//!    the wheel and the docs). `hp.__version__` reads it when the native module is not
//!    loaded (the pure-Python backend); it is generated (in `.gitignore`) and put into the
//!    wheel by `[tool.maturin] include`, and an sdist, which leaves it out, makes it again
//!    when it is built.
//! 4. **The standalone C ABI library for the wheel**: programs without Python link
//!    `libhyperparameter_capi.so` or `libhyperparameter_capi.a` (the `hyperparameter-capi`
//!    crate's cdylib and staticlib), and the package ships both in
//!    `python/hyperparameter/lib` (`hyperparameter.capi_lib`, `hyperparameter.capi_static_lib`,
//!    and CMake's `hyperparameter::hyperparameter` and `hyperparameter::static`). This script
//!    builds them with a nested `cargo build -p hyperparameter-capi` and copies them there.
//!    Only when maturin builds the module (it sets `PYO3_BUILD_EXTENSION_MODULE`): a plain
//!    `cargo build`, `cargo test` or `cargo clippy` of the workspace neither pays for the
//!    nested build nor replaces the package's libraries with ones of another profile.
//!
//!    Why a nested build: cargo does compile the capi crate's cdylib and staticlib as a
//!    dependency of this one, but a build script runs before its package's dependencies are
//!    necessarily compiled, and cargo runs nothing after the package is built, so those
//!    files cannot be picked up from here; maturin assembles the wheel from what the build
//!    leaves, with no hook in between. The nested build
//!    - uses a target directory of its own (`<target dir>/standalone-capi`): the outer build
//!      holds the lock of its own directory until it ends, so sharing it would deadlock;
//!    - uses the outer build's profile and target (the wheel's build is `release`, fat LTO,
//!      so the shipped library reads as fast as the benchmarked one) and cargo binary;
//!    - runs `--frozen`: the outer build has already resolved and fetched every crate the
//!      capi crate needs, so it works offline and never rewrites `Cargo.lock`;
//!    - joins the outer build's jobserver (cargo passes it in `CARGO_MAKEFLAGS`), so the two
//!      builds together run no more jobs than `-j` allows.
//!
//!    It compiles the core a second time, once per fresh target directory; afterwards it
//!    runs again only when a source file of the capi crate or of a crate it depends on
//!    changes (read from the nested build's dep-info), or `Cargo.lock`, or a manifest.
//!    The standalone library holds a store of its own: it is for programs without Python,
//!    never to be loaded into a Python process (there the module is the store, point 1).
//!
//!    The libraries are copied without their debug information and the static library's
//!    embedded LLVM bitcode (`objcopy`, where it is installed): together four fifths of
//!    its size, so the wheel stays under 5 MB. Their symbols, which C and C++ programs link
//!    against, stay.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const CAPI_FILES: [(&str, &str); 3] = [
    ("include", "hyperparameter.h"),
    ("cmake", "hyperparameterConfig.cmake"),
    ("cmake", "hyperparameterConfigVersion.cmake"),
];

/// Set by maturin (pyo3 ≥ 0.26) when it builds the module for a wheel or `maturin develop`.
const MATURIN_BUILD_ENV: &str = "PYO3_BUILD_EXTENSION_MODULE";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={MATURIN_BUILD_ENV}");
    println!("cargo:rerun-if-env-changed=OBJCOPY");
    if env("CARGO_CFG_TARGET_OS") == "linux" {
        // maturin names the module `_native.abi3.so` (the crate is built for the abi3 ABI).
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,_native.abi3.so");
    }

    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .parent()
        .and_then(Path::parent)
        .expect("crates/<crate>");
    let package = workspace.join("python/hyperparameter");
    if !package.join("__init__.py").is_file() {
        return;
    }
    let capi = workspace.join("crates/hyperparameter-capi");
    for (dir, name) in CAPI_FILES {
        let source = capi.join(dir).join(name);
        println!("cargo:rerun-if-changed={}", source.display());
        copy_into_package(&source, &package.join(dir).join(name));
    }
    let version = format!(
        "\"\"\"The package's version, written by crates/hyperparameter-py/build.rs from the \
         workspace Cargo.toml.\"\"\"\n\nversion = \"{}\"\n",
        env("CARGO_PKG_VERSION")
    );
    write_if_changed(version.as_bytes(), &package.join("_version.py"));
    if std::env::var_os(MATURIN_BUILD_ENV).is_some() {
        build_standalone_capi(workspace, &package.join("lib"));
    }
}

/// Builds the capi crate's shared and static libraries with the outer build's profile and
/// target, copies them into `lib_dir`, and tells cargo which files they were built from.
fn build_standalone_capi(workspace: &Path, lib_dir: &Path) {
    let target = env("TARGET");
    // OUT_DIR is `<target dir>[/<target triple>]/<profile dir>/build/<package>-<hash>/out`.
    let out_dir = PathBuf::from(env("OUT_DIR"));
    let profile_dir = out_dir
        .ancestors()
        .nth(3)
        .unwrap_or_else(|| panic!("unexpected OUT_DIR layout: {}", out_dir.display()));
    let profile_dir_name = file_name(profile_dir);
    let mut target_root = profile_dir.parent().expect("OUT_DIR has more ancestors");
    if file_name(target_root) == target {
        target_root = target_root.parent().expect("OUT_DIR has more ancestors");
    }
    let nested_target_dir = target_root.join("standalone-capi");
    // Cargo names the output directory of the `dev` profile `debug`; the others by name.
    let profile = if profile_dir_name == "debug" {
        "dev"
    } else {
        &profile_dir_name
    };

    let mut command = Command::new(env("CARGO"));
    command
        .current_dir(workspace)
        .args([
            "build",
            "--frozen",
            "--lib",
            "--package",
            "hyperparameter-capi",
        ])
        .arg("--manifest-path")
        .arg(workspace.join("Cargo.toml"))
        .args(["--target", &target, "--profile", profile])
        .arg("--target-dir")
        .arg(&nested_target_dir)
        // Settings of the outer invocation that are not meant for this one: the target
        // directory and target are given above, and `cargo clippy` sets the wrapper. The
        // outer build's flags reach this one through CARGO_ENCODED_RUSTFLAGS, which cargo
        // sets for build scripts.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTC_WORKSPACE_WRAPPER");
    let output = command
        .output()
        .unwrap_or_else(|err| panic!("running {command:?}: {err}"));
    if !output.status.success() {
        panic!(
            "building the standalone C ABI library for the Python package failed \
             ({}):\n{command:?}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let built = nested_target_dir.join(&target).join(&profile_dir_name);
    for name in standalone_library_names() {
        let shipped = without_debug_info(&built.join(&name));
        copy_into_package(&shipped, &lib_dir.join(&name));
    }
    for source in build_inputs(&built.join("libhyperparameter_capi.d"), workspace) {
        println!("cargo:rerun-if-changed={}", source.display());
    }
}

/// A copy of the library `built` without its debug information and without the LLVM
/// bitcode that rustc embeds in the objects of a static library (`.llvmbc`, `.llvmcmd`: read
/// only by rustc's own link-time optimisation, never by a C or C++ linker), made by
/// `objcopy` as `<built>.stripped`; or `built` itself where `objcopy` is missing or fails
/// (with a warning). The symbol table and the relocations stay, so C and C++ programs link
/// against the copy as before.
fn without_debug_info(built: &Path) -> PathBuf {
    let mut stripped = built.as_os_str().to_owned();
    stripped.push(".stripped");
    let stripped = PathBuf::from(stripped);
    let objcopy = std::env::var_os("OBJCOPY").unwrap_or_else(|| "objcopy".into());
    let done = Command::new(&objcopy)
        .args([
            "--strip-debug",
            "--remove-section=.llvmbc",
            "--remove-section=.llvmcmd",
        ])
        .arg(built)
        .arg(&stripped)
        .output();
    match done {
        Ok(output) if output.status.success() => stripped,
        Ok(output) => {
            println!(
                "cargo:warning=objcopy {} failed ({}); the package ships it with its debug \
                 information: {}",
                built.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
            built.to_path_buf()
        }
        Err(err) => {
            println!(
                "cargo:warning=no objcopy ({err}); the package ships {} with its debug \
                 information",
                built.display()
            );
            built.to_path_buf()
        }
    }
}

/// The files rustc writes for the capi crate's `cdylib` and `staticlib` (what the
/// package's `lib` directory ships and `hyperparameter.capi_lib` looks for).
fn standalone_library_names() -> Vec<String> {
    let stem = "hyperparameter_capi";
    let target_env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    match (env("CARGO_CFG_TARGET_OS").as_str(), target_env.as_str()) {
        ("windows", "msvc") => vec![
            format!("{stem}.dll"),
            format!("{stem}.dll.lib"),
            format!("{stem}.lib"),
        ],
        ("windows", _) => vec![
            format!("{stem}.dll"),
            format!("lib{stem}.dll.a"),
            format!("lib{stem}.a"),
        ],
        ("macos" | "ios", _) => vec![format!("lib{stem}.dylib"), format!("lib{stem}.a")],
        _ => vec![format!("lib{stem}.so"), format!("lib{stem}.a")],
    }
}

/// The source files a cargo dep-info file lists (`output: input input ...`, spaces inside a
/// path escaped as `\ `), with the `Cargo.toml` of each crate they belong to, the
/// workspace's `Cargo.toml` and `Cargo.lock`.
fn build_inputs(dep_info: &Path, workspace: &Path) -> BTreeSet<PathBuf> {
    let text = std::fs::read_to_string(dep_info)
        .unwrap_or_else(|err| panic!("reading {}: {err}", dep_info.display()));
    let first_line = text.lines().next().unwrap_or_default();
    let inputs = first_line.split_once(": ").map_or("", |(_, inputs)| inputs);
    let mut paths = BTreeSet::new();
    let mut current = String::new();
    let mut chars = inputs.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => current.push(chars.next().expect("peeked")),
            ' ' => {
                if !current.is_empty() {
                    paths.insert(PathBuf::from(std::mem::take(&mut current)));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        paths.insert(PathBuf::from(current));
    }
    let manifests: Vec<PathBuf> = paths
        .iter()
        .filter_map(|source| {
            source
                .ancestors()
                .skip(1)
                .map(|dir| dir.join("Cargo.toml"))
                .find(|manifest| manifest.is_file())
        })
        .collect();
    paths.extend(manifests);
    paths.insert(workspace.join("Cargo.toml"));
    paths.insert(workspace.join("Cargo.lock"));
    paths
}

/// Copies `source` to `target` when their contents differ, so that an unchanged copy keeps
/// its timestamp (and does not make cargo run this script again); a deleted copy is made
/// again, because the copy is also watched. The copy is written beside the target and
/// renamed over it, so that a program running with the old library keeps its file.
fn copy_into_package(source: &Path, target: &Path) {
    let contents =
        std::fs::read(source).unwrap_or_else(|err| panic!("reading {}: {err}", source.display()));
    write_if_changed(&contents, target);
}

/// Writes `contents` to `target` unless it already holds them (see [`copy_into_package`]).
fn write_if_changed(contents: &[u8], target: &Path) {
    println!("cargo:rerun-if-changed={}", target.display());
    if std::fs::read(target).ok().as_deref() == Some(contents) {
        return;
    }
    let dir = target
        .parent()
        .expect("a file in the package has a directory");
    std::fs::create_dir_all(dir).unwrap_or_else(|err| panic!("creating {}: {err}", dir.display()));
    let partial = dir.join(format!(".{}.partial", file_name(target)));
    std::fs::write(&partial, contents)
        .unwrap_or_else(|err| panic!("writing {}: {err}", partial.display()));
    std::fs::rename(&partial, target).unwrap_or_else(|err| {
        panic!(
            "renaming {} to {}: {err}",
            partial.display(),
            target.display()
        )
    });
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// An environment variable cargo sets for build scripts.
fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("cargo sets {name} for build scripts"))
}
