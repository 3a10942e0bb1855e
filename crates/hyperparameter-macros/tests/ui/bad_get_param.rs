use hyperparameter::get_param;

fn main() {
    let help = "not a literal";
    let _lr: f64 = get_param!(train.lr, 0.1, help);
}
