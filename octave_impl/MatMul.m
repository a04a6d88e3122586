% MatMul: out = W * x (the reference's x . W, transposed: one sample per column).
%
% The Octave port holds the transpose of every matrix of the Python reference (docs/interchange.md):
% x is D x N (one sample per column) and W is M x D, so the reference's x . W is W * x here.
% Backward: dW = dout * x' (the reference's x' . dout), dx = W' * dout (the reference's dout . W').
classdef MatMul < handle
  properties
    W    % M x D
    x    % the forward input, kept for backward
    dW   % set by backward
  end
  methods
    function obj = MatMul(W)
      obj.W = W;
    end

    function out = forward(obj, x)
      obj.x = x;
      out = obj.W * x;
    end

    function dx = backward(obj, dout)
      obj.dW = dout * obj.x';
      dx = obj.W' * dout;
    end
  end
end
