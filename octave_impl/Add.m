function layer = Add()
% ADD  The Add layer: out = x + y; backward passes dout to both inputs unchanged.
%
%   layer = Add();  out = layer.forward(layer, x, y);  [dx, dy] = layer.backward(layer, dout);
%   (Add keeps nothing, so it returns no updated layer.)
layer = struct('forward', @forward, 'backward', @backward);
end

function out = forward(layer, x, y) %#ok<INUSL>
out = x + y;
end

function [dx, dy] = backward(layer, dout) %#ok<INUSL>
dx = dout;
dy = dout;
end
