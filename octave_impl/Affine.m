% Affine: out = W * x + b, one sample per column (the reference's x . W + b, transposed).
%
% W is M x D (the transpose of the reference's D x M), b is M x 1 and is added to every column.
% Backward: dx = W' * dout, dW = dout * x', db = the sum of dout over the batch (over columns).
classdef Affine < handle
  properties
    W    % M x D
    b    % M x 1
    x    % the forward input, kept for backward
    dW   % set by backward
    db   % set by backward
  end
  methods
    function obj = Affine(W, b)
      obj.W = W;
      obj.b = b;
    end

    function out = forward(obj, x)
      obj.x = x;
      out = obj.W * x + obj.b;
    end

    function dx = backward(obj, dout)
      dx = obj.W' * dout;
      obj.dW = dout * obj.x';
      obj.db = sum(dout, 2);
    end
  end
end
