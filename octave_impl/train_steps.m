function [losses, step_times, model] = train_steps(model, x_train, t_train, batches, lr, step)
% TRAIN_STEPS  One training step on each column of batches (1-based sample indices, one batch per column).
%
%   [losses, step_times, model] = train_steps(model, x_train, t_train, batches, lr, step)
%   x_train is 784 x N (one sample per column), t_train the 1 x N labels (1-based). step is the training
%   step, [L, model] = step(model, x, t, lr): sgd_step (the default) on a TwoLayerNet, or fused_step on the
%   parameters. Returns each step's batch loss and its time (the step, tic/toc; the gather is not timed),
%   and the updated model.
if nargin < 6
  step = @sgd_step;
end
n = size(batches, 2);
losses = zeros(n, 1);
step_times = zeros(n, 1);
for i = 1:n
  idx = batches(:, i);
  x_batch = x_train(:, idx);
  t_batch = t_train(idx);
  start = tic;
  [losses(i), model] = step(model, x_batch, t_batch, lr);
  step_times(i) = toc(start);
end
end
