use hyperparameter::with_params;

fn main() {
    with_params! {
        set a.b = 1;
        get x = a.b;
        println!("{x}");
    }
}
