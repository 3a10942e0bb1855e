//! Functions of the running interpreter that the limited API the module is built for does
//! not declare (newer than its oldest supported CPython, or unstable): looked up by name in
//! the process once, and used only where they exist.

use std::ffi::{c_void, CStr};

/// The address of the function `name` in the running process (the interpreter included),
/// or null where it is missing or the platform has no `dlsym`.
#[cfg(unix)]
pub fn interpreter_symbol(name: &CStr) -> *mut c_void {
    use std::ffi::c_char;

    extern "C" {
        fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    }
    // `RTLD_DEFAULT`: search every object loaded into the process.
    #[cfg(any(target_os = "macos", target_os = "ios"))]
    let default_handle = -2isize as *mut c_void;
    #[cfg(not(any(target_os = "macos", target_os = "ios")))]
    let default_handle = std::ptr::null_mut::<c_void>();
    // SAFETY: `dlsym` with RTLD_DEFAULT and a NUL-terminated name only looks the name up.
    unsafe { dlsym(default_handle, name.as_ptr()) }
}

/// Without `dlsym`, no function is found.
#[cfg(not(unix))]
pub fn interpreter_symbol(_name: &CStr) -> *mut c_void {
    std::ptr::null_mut()
}
