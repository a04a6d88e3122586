% layers: the function the reference's layers module shares with the perceptron (layers.sigmoid).
%
% A class with static methods only, used as a namespace: layers.sigmoid(x) as in the reference. The layers
% themselves are structs made by MatMul, Add, Mul, Relu, Sigmoid, Affine and SoftmaxWithLoss (one file each);
% SoftmaxWithLoss computes the softmax and the log-softmax itself, from one exp (a classdef static call costs
% Octave more than a few vectorised lines).
classdef layers
  methods (Static)
    function y = sigmoid(x)
      y = 1 ./ (1 + exp(-x));
    end
  end
end
