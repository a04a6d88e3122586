function [net, result] = train(net, x_train, t_train, x_test, t_test, batches, lr, eval_every, progress)
% TRAIN  Plain SGD over a given mini-batch index sequence, so that every language replays the same one.
%
%   [net, result] = train(net, x_train, t_train, x_test, t_test, batches, lr, eval_every, progress)
%   x_* are 784 x N (one sample per column), t_* the N labels (0-based); batches is B x I: column i holds
%   the 0-based sample indices of step i. Each step (gradient + update) is timed with tic/toc; after every
%   eval_every steps and after the last, the train and test accuracies are recorded and progress(i) is
%   called (pass [] for no progress). result has fields loss, step_times (I x 1), train_acc, test_acc.
iters = size(batches, 2);
losses = zeros(iters, 1);
step_times = zeros(iters, 1);
n_evals = floor(iters / eval_every) + (mod(iters, eval_every) ~= 0);
train_acc = zeros(n_evals, 1);
test_acc = zeros(n_evals, 1);
k = 0;
for i = 1:iters
  idx = batches(:, i) + 1;
  x_batch = x_train(:, idx);
  t_batch = t_train(idx);
  start = tic;
  [net, losses(i)] = sgd_step(net, x_batch, t_batch, lr);
  step_times(i) = toc(start);
  if mod(i, eval_every) == 0 || i == iters
    k = k + 1;
    train_acc(k) = net.accuracy(net, x_train, t_train);
    test_acc(k) = net.accuracy(net, x_test, t_test);
    if ~isempty(progress)
      progress(i);
    end
  end
end
result = struct('loss', losses, 'step_times', step_times, 'train_acc', train_acc, 'test_acc', test_acc);
end
