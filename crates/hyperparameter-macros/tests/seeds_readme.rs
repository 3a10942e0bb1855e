//! The Rust snippets of the seeds' README (`shared/seeds/README.md`), each run as written
//! apart from its evident typos (noted where fixed), followed by a twin that asserts what the
//! snippet prints. The `-D` command-line example is run without its clap `DeriveArgs` part,
//! which belongs to the clap integration.

use hyperparameter::{with_params, ParamScope};

/// "Quick Start / Rust". Fixed: `fn foo() -> i32` printed instead of returning, so the
/// `-> i32` is dropped; the snippet also needs `use hyperparameter::*;`.
mod quick_start {
    use hyperparameter::*;

    fn foo() {
        with_params! {
            @get x = foo.x or 1i32; // Read hyperparameter with default value

            println!("x={}", x);
        }
    }

    pub fn main() {
        foo(); // x=1

        with_params! {
            @set foo.x = 2i32; // Set hyperparameter

            foo(); // x=2
        }

        foo(); // x=1
    }
}

#[test]
fn readme_quick_start_runs() {
    quick_start::main();
}

fn foo_x() -> i32 {
    with_params! {
        @get x = foo.x or 1i32;
        x
    }
}

#[test]
fn readme_quick_start_values() {
    assert_eq!(foo_x(), 1);
    with_params! {
        @set foo.x = 2i32;
        assert_eq!(foo_x(), 2);
    }
    assert_eq!(foo_x(), 1);
}

/// "Support for Default Values / Rust": a single item, run inside a block.
#[test]
fn readme_default_value() {
    let x = with_params! {
        @get x = foo.x or "default value";
        x
    };
    assert_eq!(x, "default value");
    let x = with_params! {
        @set foo.x = "set";
        @get x = foo.x or "default value";
        x
    };
    assert_eq!(x, "set");
}

/// "Scope Control of Parameter Values / Rust". Fixed: the missing `;` after `@set foo.y=2`;
/// the `...` placeholder is replaced by reads that check what each scope sees.
#[test]
fn readme_scope_control() {
    fn seen() -> (i64, i64) {
        with_params! {
            @get x = foo.x or 0i64;
            @get y = foo.y or 0i64;
            (x, y)
        }
    }
    with_params! { // 1st scope start
        @set foo.x=1;

        with_params!{ //2nd scope start
            @set foo.y=2;

            assert_eq!(seen(), (1, 2));
        } // 2nd scope end
        assert_eq!(seen(), (1, 0));
    } // 1st scope end
    assert_eq!(seen(), (0, 0));
}

/// "Thread Isolation/Thread Safety / Rust". Needs `use hyperparameter::*; use std::thread;`.
mod thread_isolation {
    use hyperparameter::*;
    use std::thread;

    fn foo() {
        // Print hyperparameter foo.x
        with_params! {
            @get x = foo.x or 1;

            println!("foo.x={}", x);
        }
    }

    pub fn main() {
        with_params! {
            @set foo.x = 2; // Modify foo.x in the current thread

            foo(); // foo.x=2
            thread::spawn(foo); // foo.x=1, new thread's hyperparameter value is not affected by the main thread
        }
    }
}

#[test]
fn readme_thread_isolation_runs() {
    thread_isolation::main();
}

#[test]
fn readme_thread_isolation_values() {
    fn foo() -> i32 {
        with_params! {
            @get x = foo.x or 1;
            x
        }
    }
    with_params! {
        @set foo.x = 2;
        assert_eq!(foo(), 2);
        assert_eq!(std::thread::spawn(foo).join().unwrap(), 1);
    }
}

/// "Command Line Application / Rust", without the clap derive (another issue builds the
/// clap integration): the `-D` items arrive as the `define: Vec<String>` field would hold them.
mod command_line {
    use hyperparameter::*;

    pub struct Args {
        pub define: Vec<String>,
    }

    pub fn main(args: Args) {
        with_params! {
            params ParamScope::from(&args.define);

            foo()
        }
    }

    pub fn foo() {
        with_params! {
            @get a = example.a or 0;
            @get b = example.b or 1;

            println!("example.a={}, example.b={}",a ,b);
        }
    }
}

#[test]
fn readme_command_line_runs() {
    command_line::main(command_line::Args {
        define: vec!["example.a=1".into(), "example.b=2".into()],
    });
    command_line::foo();
}

#[test]
fn readme_command_line_values() {
    fn foo() -> (i32, i32) {
        with_params! {
            @get a = example.a or 0;
            @get b = example.b or 1;
            (a, b)
        }
    }
    let define: Vec<String> = vec!["example.a=1".into(), "example.b=2".into()];
    let seen = with_params! {
        params ParamScope::from(&define);
        foo()
    };
    assert_eq!(seen, (1, 2));
    assert_eq!(foo(), (0, 1));
}
