% Sigmoid: out = 1 ./ (1 + exp(-x)); backward uses the saved output: dout .* out .* (1 - out).
% Sigmoid.sigmoid(x) is the plain function (the reference's layers.sigmoid), also used by perceptron.
classdef Sigmoid < handle
  properties
    out
  end
  methods
    function out = forward(obj, x)
      obj.out = Sigmoid.sigmoid(x);
      out = obj.out;
    end

    function dx = backward(obj, dout)
      dx = dout .* obj.out .* (1 - obj.out);
    end
  end
  methods (Static)
    function y = sigmoid(x)
      y = 1 ./ (1 + exp(-x));
    end
  end
end
