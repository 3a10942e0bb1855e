use hyperparameter::with_params;

fn main() {
    with_params! {
        set "a..b" = 1;
        set ok.key = 2;
        get x = "train.batch size" or 0;
    }
}
