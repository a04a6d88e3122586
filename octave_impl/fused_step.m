function [L, params] = fused_step(params, x, t, lr)
% FUSED_STEP  One SGD step of the two-layer net, Affine -> ReLU -> Affine -> SoftmaxWithLoss, written inline.
%
%   [L, params] = fused_step(params, x, t, lr)   params has fields W1, b1, W2, b2 (H x 784, H x 1, 10 x H,
%   10 x 1); x is 784 x N (one sample per column) and t the N class labels, 1-based (1 x N). Returns the
%   batch loss of the forward pass, before the update, and the updated parameters.
%
% The maths of the layered step (sgd_step), in this port's layout:
%   a = W1 x + b1,  h = max(a, 0),  s = W2 h + b2,
%   L = mean over the columns of log sum exp(s - max) - (s(label) - max)     (exact, stable log-sum-exp)
%   dy = (softmax(s) - onehot) / N,  dW2 = dy h',  db2 = sum(dy),  dh = W2' dy with 0 where a <= 0,
%   dW1 = dh x',  db1 = sum(dh),  dx = W1' dh (computed and dropped, as the layered step computes it),
%   then W -= lr * dW for all four (each update reads only gradients and the old W of its own layer).
% No calls and no layer structs: Octave's interpreter costs far more per statement than the arithmetic of a
% small matrix, so the step is the fewest vectorised statements, each intermediate made once (MATLAB code
% has no in-place arithmetic). Measured choices: the label's linear index (no one-hot matrix); the ReLU
% mask multiplied (cheaper than zeroing through a logical index); -lr folded into dy as it is formed, so that
% the backward pass carries -lr * dy and every gradient comes out as -lr times the book's (no pass over a
% weight gradient to scale it; rounds differently from the layered step, by about 1e-16 relative; docs/
% porting.md, "The fused variant"); and W + (-lr * dW) rather than W - lr * dW, since Octave's matrix
% subtraction takes about twice as long as its addition.
n = size(x, 2);
a = params.W1 * x + params.b1;
mask = a > 0;  % where the pre-activation is > 0: the complement of the book's Relu mask
h = a .* mask;
s = params.W2 * h + params.b2;
s = s - max(s, [], 1);
e = exp(s);
z = sum(e, 1);
label = t(:)' + (0:n - 1) * size(s, 1);  % the linear index of each column's label
L = sum(log(z) - s(label)) / n;
dy = e ./ z;
dy(label) = dy(label) - 1;
dy = dy * (-lr / n);  % -lr * dy: every gradient below is -lr times the book's
dh = (params.W2' * dy) .* mask;
% The first layer's dx, kept for a fair comparison with the layered step (skipping it would save about a
% third of the step's FLOPs); the result is not used.
dx = params.W1' * dh; %#ok<NASGU>
params.W1 = params.W1 + dh * x';
params.b1 = params.b1 + sum(dh, 2);
params.W2 = params.W2 + dy * h';
params.b2 = params.b2 + sum(dy, 2);
end
