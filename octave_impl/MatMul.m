function layer = MatMul(W)
% MATMUL  The MatMul layer: out = W * x (the reference's x . W, transposed: one sample per column).
%
%   layer = MatMul(W);  [layer, out] = layer.forward(layer, x);  [layer, dx] = layer.backward(layer, dout);
%   The Octave port holds the transpose of every matrix of the Python reference (docs/interchange.md): x is
%   D x N and W is M x D. Backward sets layer.dW = dout * x' (the reference's x' . dout) and returns
%   dx = W' * dout (the reference's dout . W'). A layer is a struct: forward and backward return it updated.
layer = struct('W', W, 'x', [], 'dW', [], 'forward', @forward, 'backward', @backward);
end

function [layer, out] = forward(layer, x)
layer.x = x;
out = layer.W * x;
end

function [layer, dx] = backward(layer, dout)
layer.dW = dout * layer.x';
dx = layer.W' * dout;
end
