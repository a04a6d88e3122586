function layer = Relu()
% RELU  The Relu layer: out = max(x, 0). The mask is x <= 0 (as in the book): the gradient at exactly 0 is 0.
%
%   layer = Relu();  [out, layer] = layer.forward(layer, x);  [dx, layer] = layer.backward(layer, dout);
%   The layer keeps the complement of the book's mask, pass = x > 0, and multiplies by it: in Octave one
%   vectorised product is cheaper than assigning 0 through a logical index (the same values for finite x;
%   a zeroed entry may be -0, which compares and computes as 0).
layer = struct('pass', [], 'forward', @forward, 'backward', @backward);
end

function [out, layer] = forward(layer, x)
layer.pass = x > 0;
out = x .* layer.pass;
end

function [dx, layer] = backward(layer, dout)
dx = dout .* layer.pass;
end
