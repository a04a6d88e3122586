function [result, model] = train(model, x_train, t_train, x_test, t_test, batches, lr, eval_every, progress, step)
% TRAIN  Plain SGD over a given mini-batch index sequence, so that every language replays the same one.
%
%   [result, model] = train(model, x_train, t_train, x_test, t_test, batches, lr, eval_every, progress, step)
%   x_* are 784 x N (one sample per column), t_* the 1 x N labels (1-based); batches is B x I: column i
%   holds the 1-based sample indices of step i. model is a TwoLayerNet trained by sgd_step (when step is not
%   given), or the parameters (W1, b1, W2, b2) trained by step = @fused_step. Each step is timed
%   (train_steps); after every eval_every steps and after the last, the train and test accuracies are
%   recorded (untimed; fused parameters are evaluated by a TwoLayerNet) and progress(i) is called (pass []
%   for no progress). result has fields loss, step_times (I x 1), train_acc, test_acc.
if nargin < 10
  step = @sgd_step;
end
iters = size(batches, 2);
losses = zeros(iters, 1);
step_times = zeros(iters, 1);
n_evals = ceil(iters / eval_every);
train_acc = zeros(n_evals, 1);
test_acc = zeros(n_evals, 1);
for k = 1:n_evals
  first = (k - 1) * eval_every + 1;
  last = min(k * eval_every, iters);
  [losses(first:last), step_times(first:last), model] = train_steps(model, x_train, t_train, ...
                                                                   batches(:, first:last), lr, step);
  net = model;
  if ~isfield(net, 'layers')
    net = TwoLayerNet(model);
  end
  train_acc(k) = net.accuracy(net, x_train, t_train);
  test_acc(k) = net.accuracy(net, x_test, t_test);
  if ~isempty(progress)
    progress(last);
  end
end
result = struct('loss', losses, 'step_times', step_times, 'train_acc', train_acc, 'test_acc', test_acc);
end
