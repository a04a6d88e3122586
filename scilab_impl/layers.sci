// Layers with forward/backward, as in "Deep Learning from Scratch", chapter 5 (python_impl/layers.py).
//
// One sample per COLUMN: every matrix is the transpose of the Python one (x is D x N, W is M x D,
// b is M x 1), so x . W + b becomes W * x + b and x^T . dout becomes dout * x'.
//
// A layer is a typed list (tlist) whose type name is the layer's name, so typeof(layer) says what it is.
// Scilab passes arguments by value (copy on write, and a tlist shares its unchanged fields, so updating
// one field does not copy W), so a function that updates the layer's state returns the layer:
//     [out, layer] = Affine_forward(layer, x);   [dx, layer] = Affine_backward(layer, dout);
// The one-input layers a network is built from (MatMul, Relu, Sigmoid, Affine) also carry their forward and
// backward functions as fields, the way an object carries its methods, so that a network calls
//     [out, layer] = layer.forward(layer, x);    [dx, layer] = layer.backward(layer, dout);
// without knowing which layer it holds (a dispatcher on typeof would cost a macro call more per layer: a
// Scilab call costs as much as an element-wise pass over a few thousand numbers).

// MatMul: out = W * x  (Python: x . W)
function self = MatMul(W)
    self = tlist(["MatMul", "W", "x", "dW", "forward", "backward"], W, [], [], MatMul_forward, MatMul_backward);
endfunction

function [out, self] = MatMul_forward(self, x)
    self.x = x;
    out = self.W * x;
endfunction

function [dx, self] = MatMul_backward(self, dout)
    self.dW = dout * self.x';
    dx = self.W' * dout;
endfunction

// Add: out = x + y
function self = Add()
    self = tlist(["Add"]);
endfunction

function out = Add_forward(self, x, y)
    out = x + y;
endfunction

function [dx, dy] = Add_backward(self, dout)
    dx = dout;
    dy = dout;
endfunction

// Mul: out = x .* y (element-wise)
function self = Mul()
    self = tlist(["Mul", "x", "y"], [], []);
endfunction

function [out, self] = Mul_forward(self, x, y)
    self.x = x;
    self.y = y;
    out = x .* y;
endfunction

function [dx, dy] = Mul_backward(self, dout)
    dx = dout .* self.y;
    dy = dout .* self.x;
endfunction

// Relu: out = max(x, 0); the gradient at exactly 0 is 0 (the book masks x <= 0).
// The layer keeps the complement of the book's mask, pass = x > 0, and multiplies by it: out = x .* pass
// equals out = x; out(mask) = 0 for every finite x (only -Inf would give NaN; zeroed entries may be -0), one
// product is twice as fast in Scilab as assigning through a logical index, and keeping pass rather than mask
// saves negating it in forward and in backward.
function self = Relu()
    self = tlist(["Relu", "pass", "forward", "backward"], [], Relu_forward, Relu_backward);
endfunction

function [out, self] = Relu_forward(self, x)
    self.pass = x > 0;
    out = x .* self.pass;
endfunction

function [dx, self] = Relu_backward(self, dout)
    // as in forward; a masked entry is 0 for every finite dout (a non-finite dout never reaches here in training)
    dx = dout .* self.pass;
endfunction

function y = sigmoid(x)
    y = 1 ./ (1 + exp(-x));
endfunction

// Sigmoid: out = 1 / (1 + exp(-x)); backward uses the saved output: dout .* out .* (1 - out).
function self = Sigmoid()
    self = tlist(["Sigmoid", "out", "forward", "backward"], [], Sigmoid_forward, Sigmoid_backward);
endfunction

function [out, self] = Sigmoid_forward(self, x)
    self.out = sigmoid(x);
    out = self.out;
endfunction

function [dx, self] = Sigmoid_backward(self, dout)
    dx = dout .* self.out .* (1 - self.out);
endfunction

// Affine: out = W * x + b; backward: dx = W' * dout, dW = dout * x', db = sum of dout over the batch (as a
// product with a column of ones: Scilab 6.1's sum(dout, "c") is 15 times slower).
function self = Affine(W, b)
    self = tlist(["Affine", "W", "b", "x", "dW", "db", "forward", "backward"], W, b, [], [], [], ..
                 Affine_forward, Affine_backward);
endfunction

function [out, self] = Affine_forward(self, x)
    self.x = x;
    out = self.W * x + self.b * ones(1, size(x, 2));  // b added to every column (sample)
endfunction

function [dx, self] = Affine_backward(self, dout)
    dx = self.W' * dout;
    self.dW = dout * self.x';
    self.db = dout * ones(size(dout, 2), 1);
endfunction

// Column-wise softmax (one sample per column), shifted by each column's maximum for stability; and, from the
// same exponentials, the log-softmax by log-sum-exp: exact and stable (no +1e-7 inside a log).
function [y, log_y] = softmax(x)
    spread = ones(size(x, 1), 1);  // spread * row: the row repeated for every class; spread' * e: the sums
    shifted = x - spread * max(x, "r");
    e = exp(shifted);
    total = spread' * e;  // sum(e, "r"), 5 times faster
    y = e ./ (spread * total);
    log_y = shifted - spread * log(total);
endfunction

// Class labels (1 x N, 1-based) to a one-hot matrix (classes x N); one-hot input is returned as is.
function out = one_hot(t, classes)
    if size(t, 1) == classes then
        out = t;
        return
    end
    n = size(t, "*");
    if or(t < 1 | t > classes | t <> round(t)) then
        error(msprintf("one_hot: labels must be whole numbers 1..%d (0..%d before the port''s +1)", classes, classes - 1));
    end
    out = zeros(classes, n);
    out((0:n - 1) * classes + matrix(t, 1, n)) = 1;  // linear index of (t(j), j)
endfunction

// SoftmaxWithLoss: softmax followed by the mean cross-entropy over the batch.
// Targets: one-hot (C x N) or 1-based class labels (1 x N). Backward is (y - t) / N.
function self = SoftmaxWithLoss()
    self = tlist(["SoftmaxWithLoss", "y", "t", "loss"], [], [], []);
endfunction

function [loss, self] = SoftmaxWithLoss_forward(self, x, t)
    self.t = one_hot(t, size(x, 1));
    [y, log_y] = softmax(x);
    self.y = y;
    self.loss = -sum(self.t .* log_y) / size(x, 2);
    loss = self.loss;
endfunction

function dx = SoftmaxWithLoss_backward(self, dout)
    if argn(2) < 2 then
        dout = 1;
    end
    dx = dout * (self.y - self.t) / size(self.t, 2);
endfunction
