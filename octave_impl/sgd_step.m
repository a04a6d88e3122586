function L = sgd_step(net, x, t, lr)
% SGD_STEP  One training step: backprop, then every parameter -= lr * its gradient.
%   Returns the batch loss computed by the forward pass, before the update. net is a TwoLayerNet (a
%   handle object), updated in place.
[L, grads] = net.gradient(x, t);
params = net.get_params();
names = TwoLayerNet.PARAM_NAMES;
for k = 1:numel(names)
  name = names{k};
  params.(name) = params.(name) - lr * grads.(name);
end
net.set_params(params);
end
