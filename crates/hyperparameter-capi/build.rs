//! Gives the shared library an install name, so that programs linked against it record
//! `libhyperparameter_capi.so` (found through their run-time search path) rather than the
//! absolute path of the build directory.

fn main() {
    match std::env::var("CARGO_CFG_TARGET_OS").as_deref() {
        Ok("linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly") => {
            println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libhyperparameter_capi.so");
        }
        Ok("macos" | "ios") => {
            println!(
                "cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/libhyperparameter_capi.dylib"
            );
        }
        _ => {}
    }
}
