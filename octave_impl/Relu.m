function layer = Relu()
% RELU  The Relu layer: out = max(x, 0). The mask is x <= 0 (as in the book): the gradient at exactly 0 is 0.
%
%   layer = Relu();  [layer, out] = layer.forward(layer, x);  [layer, dx] = layer.backward(layer, dout);
layer = struct('mask', [], 'forward', @forward, 'backward', @backward);
end

function [layer, out] = forward(layer, x)
layer.mask = x <= 0;
out = x;
out(layer.mask) = 0;
end

function [layer, dx] = backward(layer, dout)
dx = dout;
dx(layer.mask) = 0;
end
