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

use std::path::Path;

const CAPI_FILES: [(&str, &str); 3] = [
    ("include", "hyperparameter.h"),
    ("cmake", "hyperparameterConfig.cmake"),
    ("cmake", "hyperparameterConfigVersion.cmake"),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        // maturin names the module `_native.abi3.so` (the crate is built for the abi3 ABI).
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,_native.abi3.so");
    }

    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it");
    let crates = Path::new(&manifest_dir).join("..");
    let capi = crates.join("hyperparameter-capi");
    let package = crates.join("../python/hyperparameter");
    if !package.join("__init__.py").is_file() {
        return;
    }
    for (dir, name) in CAPI_FILES {
        let source = capi.join(dir).join(name);
        let target = package.join(dir).join(name);
        println!("cargo:rerun-if-changed={}", source.display());
        // A deleted copy is made again.
        println!("cargo:rerun-if-changed={}", target.display());
        let contents = std::fs::read(&source)
            .unwrap_or_else(|err| panic!("reading {}: {err}", source.display()));
        // Written only when it differs, so that an unchanged copy keeps its timestamp and
        // does not make cargo run this script again.
        if std::fs::read(&target).ok().as_deref() != Some(&contents[..]) {
            std::fs::create_dir_all(package.join(dir)).expect("creating the package directory");
            std::fs::write(&target, &contents)
                .unwrap_or_else(|err| panic!("writing {}: {err}", target.display()));
        }
    }
}
