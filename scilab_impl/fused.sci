// The fused variant: the two-layer net's training step and the perceptron's training loop written inline, as
// fast Scilab is written (python_impl/fused.py): whole-matrix expressions, no layer objects, no calls to
// helper macros (a macro call costs Scilab as much as an element-wise pass over a 50 x 100 matrix). Scilab has
// no in-place operations (every result is a new matrix), so the fewest temporaries means the fewest operations.
// What Scilab 6.1 rewards, measured: sums along one dimension as products with a vector of ones (sum(dh, "c") is
// 15 times slower than dh * ones(N, 1)), the ReLU as a product with its mask (max(a, 0) is 3 times slower).
//
// One sample per column, as in the rest of the port: x is 784 x N, W1 is H x 784, b1 is H x 1, W2 is 10 x H,
// b2 is 10 x 1. Same maths as the layered variant (TwoLayerNet + sgd_step), the same float64 results to
// rounding.

// One SGD step of Affine -> ReLU -> Affine -> SoftmaxWithLoss on the batch x with 1-based class labels t
// (1 x N); p is a struct W1, b1, W2, b2, returned updated; L is the batch loss before the update:
//     a = W1 x + b1,  h = max(a, 0),  s = W2 h + b2,
//     L = mean over the columns of log sum exp(s - max) - (s(label) - max)   (exact, stable log-sum-exp),
//     dy = (softmax(s) - onehot) / N,  dW2 = dy h',  db2 = sum(dy),  dh = (W2' dy) masked where a <= 0,
//     dW1 = dh x',  db1 = sum(dh),  then W = W - lr dW for all four. The backward pass carries lr dy instead of
//     dy (docs/porting.md, "The fused variant"), so every gradient comes out multiplied by the learning rate.
function [L, p] = fused_step(p, x, t, lr)
    C = size(p.W2, 1);
    N = size(x, 2);
    ones_n = ones(1, N);                             // b * ones_n: b for every sample; dh * ones_n': summed over them
    ones_c = ones(C, 1);                             // ones_c * row: the row for every class; ones_c' * e: summed
    a = p.W1 * x + p.b1 * ones_n;
    pass = a > 0;                                    // the ReLU's mask, kept for the backward pass
    h = a .* pass;
    s = p.W2 * h + p.b2 * ones_n;
    smax = max(s, "r");
    e = exp(s - ones_c * smax);
    esum = ones_c' * e;
    k = (0:N - 1) * C + t;                           // linear indices of the labels' scores
    L = sum(log(esum) - (s(k) - smax)) / N;
    dy = e ./ (ones_c * esum);                       // softmax
    dy(k) = dy(k) - 1;                               // - onehot, without building it
    dy = dy * (lr / N);                              // lr dy: every gradient below is lr times the book's
    dh = (p.W2' * dy) .* pass;
    // The first layer's dx: not needed for training (skipping it would save about a third of the step's
    // FLOPs) but computed, as the layered step does, so that the two variants do the same work.
    dx = p.W1' * dh;
    dW1 = dh * x';
    db1 = dh * ones_n';
    dW2 = dy * h';
    db2 = dy * ones_n';
    p.W1 = p.W1 - dW1;
    p.b1 = p.b1 - db1;
    p.W2 = p.W2 - dW2;
    p.b2 = p.b2 - db2;
endfunction

// perceptron_train with each epoch written inline (perceptron.sci): the same outputs, W, b, losses (E before
// each update) and solved (updates after which every input is first on the right side of 0.5, -1 if never).
function [W, b, losses, solved] = fused_perceptron_train(W, b, X, Y, epochs, lr)
    losses = zeros(epochs, 1);
    solved = -1;
    positive = Y > 0.5;
    for epoch = 1:epochs
        A = 1 ./ (1 + exp(-(W' * X + b)));
        if solved < 0 then
            if and((A > 0.5) == positive) then
                solved = epoch - 1;
            end
        end
        D = A - Y;
        losses(epoch) = 0.5 * sum(D .^ 2);
        dZ = D .* A .* (1 - A);
        W = W - lr * (X * dZ');
        b = b - lr * sum(dZ);
    end
    if solved < 0 then
        if and((1 ./ (1 + exp(-(W' * X + b))) > 0.5) == positive) then
            solved = epochs;
        end
    end
endfunction
