// The single perceptron (python_impl/perceptron.py): Z = W' * X + b, A = sigmoid(Z), E = 1/2 sum (A - Y)^2.
//
// One sample per column: X is n x N, W is n x 1, Y, Z and A are 1 x N.
// The chain-rule factor dZ = (A - Y) .* sigmoid(Z) .* (1 - sigmoid(Z)) is computed once and
// shared by both gradients: dW = X * dZ', db = sum(dZ).

// Returns Z and A for inputs X (n x N), weights W (n x 1), bias b.
function [Z, A] = perceptron_forward(W, b, X)
    Z = W' * X + b;
    A = sigmoid(Z);
endfunction

// E = 1/2 sum (A - Y)^2.
function E = perceptron_loss(W, b, X, Y)
    [Z, A] = perceptron_forward(W, b, X);
    E = 0.5 * sum((A - Y) .^ 2);
endfunction

// dW and db from the forward output A; the shared factor dZ is computed once.
function [dW, db] = perceptron_backward(A, X, Y)
    dZ = (A - Y) .* A .* (1 - A);  // (A - Y) .* sigmoid(Z) .* (1 - sigmoid(Z)), with sigmoid(Z) = A
    dW = X * dZ';  // Python: dZ . X (one output unit)
    db = sum(dZ);
endfunction

// Returns E, dW, db.
function [E, dW, db] = perceptron_gradient(W, b, X, Y)
    [Z, A] = perceptron_forward(W, b, X);
    E = 0.5 * sum((A - Y) .^ 2);
    [dW, db] = perceptron_backward(A, X, Y);
endfunction

function P = perceptron_predict(W, b, X)
    [Z, A] = perceptron_forward(W, b, X);
    P = double(A > 0.5);
endfunction

// Full-batch gradient descent for `epochs` epochs.
// losses(e) is E before update e, and solved is the number of updates after which all inputs are first
// classified correctly (-1 if never).
function [W, b, losses, solved] = perceptron_train(W, b, X, Y, epochs, lr)
    losses = zeros(epochs, 1);
    solved = -1;
    for epoch = 1:epochs
        [Z, A] = perceptron_forward(W, b, X);
        if solved < 0 & and((A > 0.5) == (Y > 0.5)) then
            solved = epoch - 1;  // updates done so far
        end
        losses(epoch) = 0.5 * sum((A - Y) .^ 2);
        [dW, db] = perceptron_backward(A, X, Y);
        W = W - lr * dW;
        b = b - lr * db;
    end
    if solved < 0 & and((perceptron_predict(W, b, X) == 1) == (Y > 0.5)) then
        solved = epochs;
    end
endfunction
